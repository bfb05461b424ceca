import { describe, expect, test } from 'vitest';
import { DEEPSEEK_BASE_URL } from '../providers/deepseek';
import { channelInputOf, defaultBaseUrl, schemaProblems, type ChannelFormData } from './channel-form';

const base: ChannelFormData = {
	type: 'azure',
	name: 'Azure',
	baseUrl: 'https://res.openai.azure.com',
	keys: 'k',
	models: 'gpt-4o',
	tags: '',
	modelMapping: '',
	groups: ['default'],
	priority: 0,
	weight: 1,
	enabled: true,
	timeout_connectMs: '',
	timeout_firstByteMs: '',
	timeout_streamFirstByteMs: '',
	timeout_streamIdleMs: ''
};

describe('channelInputOf', () => {
	test('a JSON config field nested too deeply is refused beside the field, not passed on', () => {
		const deep = `{"gpt-4o":${'['.repeat(100)}${']'.repeat(100)}}`;
		const { input, errors } = channelInputOf({ ...base, cfg_deployments: deep });
		expect(errors.cfg_deployments).toContain('deeper than 64 levels');
		expect((input.config as Record<string, unknown>).deployments).toBeUndefined();
	});

	test('a JSON config field within the limit is taken as given', () => {
		const { input, errors } = channelInputOf({ ...base, cfg_deployments: '{"gpt-4o":"prod-4o"}' });
		expect(errors).toEqual({});
		expect((input.config as Record<string, unknown>).deployments).toEqual({ 'gpt-4o': 'prod-4o' });
	});

	test('stored keys the type does not know are dropped, its own settings kept', () => {
		const { input } = channelInputOf({ ...base, cfg_apiVersion: 'v1', cfg_authMode: 'api-key' }, { apiVersion: '2024-10-21', responsesApi: true, typo: 1, timeouts: { connectMs: 900 } });
		expect(input.config).toEqual({ apiVersion: 'v1', authMode: 'api-key' });
	});

	test("a deepseek channel saved without a base URL gets DeepSeek's; one given is kept", () => {
		const deepseek = { ...base, type: 'deepseek', baseUrl: '  ', models: 'deepseek-chat' };
		const { input, errors } = channelInputOf(deepseek);
		expect(errors).toEqual({});
		expect(input.baseUrl).toBe(DEEPSEEK_BASE_URL);
		expect(schemaProblems(input)).toEqual({});
		expect(channelInputOf({ ...deepseek, baseUrl: 'https://proxy.example/deepseek' }).input.baseUrl).toBe('https://proxy.example/deepseek');
		expect(defaultBaseUrl('deepseek')).toBe('https://api.deepseek.com');
	});

	test('a type without a public default still needs its base URL', () => {
		const { input } = channelInputOf({ ...base, type: 'openai', baseUrl: '' });
		expect(input.baseUrl).toBe('');
		expect(schemaProblems(input).baseUrl).toBeDefined();
		expect(defaultBaseUrl('openai')).toBeUndefined();
	});
});

describe('tags and the words beside config fields', () => {
	test('tags are split on commas (ASCII or full-width) and new lines, trimmed, without repeats', () => {
		const { input } = channelInputOf({ ...base, tags: ' prod, backup，prod\ncn ' });
		expect(input.tags).toEqual(['prod', 'backup', 'cn']);
		expect(schemaProblems(input).tags).toBeUndefined();
	});

	test("a value a type's schema refuses gets the catalogue's words for that field; a missing one is required", () => {
		const workers = { ...base, type: 'workers-ai', baseUrl: 'https://api.cloudflare.com', cfg_accountId: 'not-hex', cfg_mode: 'openai' };
		expect(schemaProblems(channelInputOf(workers).input).cfg_accountId).toBe('A Cloudflare account id is 32 hexadecimal characters.');
		expect(schemaProblems(channelInputOf({ ...workers, cfg_accountId: '' }).input).cfg_accountId).toBe('Required.');
	});
});
