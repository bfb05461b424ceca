import { describe, expect, test } from 'vitest';
import { emptyCounts } from '$lib/server/import/newapi/report';
import { importSummary } from './import-notice';

describe('importSummary', () => {
	test('lists the non-zero counts in report order, singular where one', () => {
		expect(importSummary({ ...emptyCounts(), users: 2, apiKeys: 1, logs: 1200 })).toBe('2 users, 1 API key and 1,200 log rows');
	});

	test('one count alone, and none at all', () => {
		expect(importSummary({ ...emptyCounts(), channels: 1 })).toBe('1 channel');
		expect(importSummary(emptyCounts())).toBe('nothing new');
	});
});
