import { describe, expect, test } from 'vitest';
import { ledgerEntry } from '../server/testing/ledger-entry';
import { costBreakdown } from './cost';
import { reasonText, summarizeFailure } from './reasons';

const failed = (over: Partial<Parameters<typeof summarizeFailure>[0]> = {}) => ({
	requestId: 'req_x',
	createdAt: new Date(0),
	model: 'gpt-4o-mini',
	status: 404,
	keyName: 'main',
	errorCode: 'model_not_found',
	error: 'The model gpt-4o-mini does not exist or you do not have access to it.',
	repeatCount: 0,
	...over
});

describe('reasons', () => {
	test('the relay’s codes read as reasons; an upstream’s own code has none', () => {
		expect(reasonText('insufficient_quota')).toBe("The balance or the key's spending limit cannot cover the call.");
		expect(reasonText('key_disabled')).toBe('The API key is disabled.');
		expect(reasonText('context_length_exceeded')).toBeNull();
		expect(reasonText(null)).toBeNull();
	});

	test('a failure line: the reason and its code; an upstream failure keeps its own words; an unknown code its error', () => {
		expect(summarizeFailure(failed()).error).toBe('No such model, or no access to it. (model_not_found)');
		expect(summarizeFailure(failed({ errorCode: 'upstream_error', error: 'upstream: 500 boom', status: 502 })).error).toBe('The upstream failed. (upstream_error) upstream: 500 boom');
		expect(summarizeFailure(failed({ errorCode: 'context_length_exceeded', error: 'upstream: 400 too long', status: 400 })).error).toBe('upstream: 400 too long');
		expect(summarizeFailure(failed({ errorCode: null, error: null, status: 499 })).error).toBeNull();
	});

	test('a refusal before the body was read has a placeholder for its model, never an empty link text', () => {
		const summary = summarizeFailure(failed({ model: '', errorCode: 'key_disabled', status: 403, repeatCount: 4 }));
		expect(summary.model).toBe('(model not read)');
		expect(summary).toMatchObject({ reason: 'The API key is disabled.', errorCode: 'key_disabled', repeatCount: 4 });
	});
});

describe('costBreakdown', () => {
	test('a refusal (no quote, no ratios) is its own kind, not a free model', () => {
		expect(costBreakdown(ledgerEntry({ cost: 0, modelRatio: null, groupRatio: null, pricePerRequestUsd: null })).kind).toBe('refused');
		expect(costBreakdown(ledgerEntry({ cost: 0, modelRatio: null, groupRatio: 1, pricePerRequestUsd: null })).kind).toBe('free');
		expect(costBreakdown(ledgerEntry({ cost: 30, modelRatio: 1, completionRatio: 2, groupRatio: 1, promptTokens: 10, completionTokens: 10 }))).toMatchObject({ kind: 'tokens', weighted: 30, raw: 30 });
	});
});
