import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
	ModelListShapeError,
	modelListerFor,
	parseAnthropicModels,
	parseGeminiModels,
	parseOpenAIModels,
	parseWorkersAiModels,
	type ModelLister
} from './model-list';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

function lister(type: string, baseUrl: string, config: Record<string, unknown> = {}): ModelLister {
	const found = modelListerFor(type, { baseUrl, config }, 'sk-secret');
	if ('unsupported' in found) throw new Error(`unsupported: ${found.unsupported}`);
	return found;
}

describe('OpenAI-style model lists', () => {
	test('GET {base}/models is one page of ids', () => {
		expect(parseOpenAIModels(fixture('openai-models.json'))).toEqual({ models: ['gpt-4o-mini', 'text-embedding-3-small', 'gpt-4o'] });
	});

	test('a bare array (some compatible hosts) is read too; entries without an id are skipped', () => {
		expect(parseOpenAIModels('[{"id":"llama3"},{"name":"x"},{"id":""}]')).toEqual({ models: ['llama3'] });
	});

	test('anything else is not a model list', () => {
		expect(() => parseOpenAIModels('<html>nginx</html>')).toThrow(ModelListShapeError);
		expect(() => parseOpenAIModels('{"data": "nope"}')).toThrow(ModelListShapeError);
	});

	test('requests: OpenAI and compatible, DeepSeek, Azure (dated and v1)', () => {
		expect(lister('openai', 'https://api.openai.com/v1').request(undefined)).toEqual({
			url: 'https://api.openai.com/v1/models',
			headers: { accept: 'application/json', authorization: 'Bearer sk-secret' }
		});
		expect(lister('deepseek', 'https://api.deepseek.com/v1').request(undefined).url).toBe('https://api.deepseek.com/models');
		const dated = lister('azure', 'https://res.openai.azure.com/v1', { apiVersion: '2024-10-21' }).request(undefined);
		expect(dated).toEqual({ url: 'https://res.openai.azure.com/openai/models?api-version=2024-10-21', headers: { accept: 'application/json', 'api-key': 'sk-secret' } });
		const v1 = lister('azure', 'https://res.openai.azure.com/openai/v1', { apiVersion: 'v1', authMode: 'bearer' }).request(undefined);
		expect(v1).toEqual({ url: 'https://res.openai.azure.com/openai/v1/models', headers: { accept: 'application/json', authorization: 'Bearer sk-secret' } });
	});
});

describe('Anthropic model lists', () => {
	test('pages follow last_id while has_more is true', () => {
		expect(parseAnthropicModels(fixture('anthropic-models-1.json'))).toEqual({
			models: ['claude-sonnet-4-5-20250929', 'claude-opus-4-1-20250805'],
			next: 'claude-opus-4-1-20250805'
		});
		expect(parseAnthropicModels(fixture('anthropic-models-2.json'))).toEqual({ models: ['claude-3-5-haiku-20241022'] });
	});

	test('the request sends x-api-key and anthropic-version, and after_id for later pages', () => {
		const l = lister('anthropic', 'https://api.anthropic.com/v1');
		expect(l.request(undefined)).toEqual({
			url: 'https://api.anthropic.com/v1/models?limit=1000',
			headers: { accept: 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'sk-secret' }
		});
		expect(l.request('claude-opus-4-1-20250805').url).toBe('https://api.anthropic.com/v1/models?limit=1000&after_id=claude-opus-4-1-20250805');
		const bearer = lister('anthropic', 'https://api.anthropic.com/v1', { anthropicVersion: '2026-10-21' }).request(undefined);
		expect(bearer.headers).toEqual({ accept: 'application/json', 'anthropic-version': '2026-10-21', authorization: 'Bearer sk-secret' });
	});
});

describe('Gemini models.list', () => {
	test('pages follow nextPageToken; names lose models/; models the gateway cannot serve are left out', () => {
		expect(parseGeminiModels(fixture('gemini-models-1.json'))).toEqual({ models: ['gemini-2.5-flash'], next: 'Ch1tb2RlbHMvZ2VtaW5pLTIuNS1wcm8' });
		expect(parseGeminiModels(fixture('gemini-models-2.json'))).toEqual({ models: ['gemini-embedding-001', 'gemini-2.5-pro'] });
		expect(parseGeminiModels('{}')).toEqual({ models: [] });
	});

	test('the request carries the key in a header and the page token in the query', () => {
		const l = lister('gemini', 'https://generativelanguage.googleapis.com/v1');
		expect(l.request(undefined)).toEqual({
			url: 'https://generativelanguage.googleapis.com/v1beta/models?pageSize=1000',
			headers: { accept: 'application/json', 'x-goog-api-key': 'sk-secret' }
		});
		expect(l.request('a/b=').url).toBe('https://generativelanguage.googleapis.com/v1beta/models?pageSize=1000&pageToken=a%2Fb%3D');
	});

	test('Vertex AI channels cannot list models this way', () => {
		expect(modelListerFor('gemini', { baseUrl: 'https://aiplatform.googleapis.com/v1', config: { vertex: { project: 'p', location: 'global' } } }, 'k')).toEqual({ unsupported: 'vertex' });
		expect(modelListerFor('nope', { baseUrl: 'https://x.example/v1', config: {} }, 'k')).toEqual({ unsupported: 'type' });
	});
});

describe('Workers AI model search', () => {
	test('pages by number until total_count; only text generation and embeddings', () => {
		expect(parseWorkersAiModels(fixture('workers-ai-models-1.json'))).toEqual({ models: ['@cf/meta/llama-3.1-8b-instruct'], next: '2' });
		expect(parseWorkersAiModels(fixture('workers-ai-models-2.json'))).toEqual({ models: ['@cf/baai/bge-m3'] });
		expect(() => parseWorkersAiModels('{"success": false, "result": null}')).toThrow(ModelListShapeError);
	});

	test('the request goes to the account on the channel host', () => {
		const l = lister('workers-ai', 'https://api.cloudflare.com/v1', { accountId: '0123456789abcdef0123456789abcdef' });
		expect(l.request(undefined).url).toBe('https://api.cloudflare.com/client/v4/accounts/0123456789abcdef0123456789abcdef/ai/models/search?per_page=100&page=1');
		expect(l.request('2').url).toMatch(/page=2$/);
	});
});
