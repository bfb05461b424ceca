import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
	BalanceShapeError,
	balanceProviderOf,
	balanceSteps,
	parseDeepSeekBalance,
	parseMoonshotBalance,
	parseOpenRouterCredits,
	parseOpenRouterKey,
	parseSiliconFlowBalance
} from './balance';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

describe('which providers have a balance API', () => {
	test('DeepSeek by type or host, the others by host; OpenAI and the rest have none', () => {
		expect(balanceProviderOf('deepseek', 'http://127.0.0.1:9999/v1')).toBe('deepseek');
		expect(balanceProviderOf('openai', 'https://api.deepseek.com/v1')).toBe('deepseek');
		expect(balanceProviderOf('openai', 'https://openrouter.ai/api/v1')).toBe('openrouter');
		expect(balanceProviderOf('openai', 'https://api.siliconflow.cn/v1')).toBe('siliconflow');
		expect(balanceProviderOf('openai', 'https://api.moonshot.ai/v1')).toBe('moonshot');
		expect(balanceProviderOf('openai', 'https://api.openai.com/v1')).toBeUndefined();
		expect(balanceProviderOf('anthropic', 'https://api.anthropic.com/v1')).toBeUndefined();
		expect(balanceProviderOf('openai', 'https://evil-openrouter.ai.example/v1')).toBeUndefined();
	});
});

describe('balance parsers', () => {
	test('DeepSeek: total_balance of the account, USD preferred among currencies', () => {
		expect(parseDeepSeekBalance(fixture('deepseek-balance.json'))).toEqual({ amount: '110.00', currency: 'CNY' });
		const both = { is_available: true, balance_infos: [{ currency: 'CNY', total_balance: '7.00' }, { currency: 'USD', total_balance: '2.50' }] };
		expect(parseDeepSeekBalance(JSON.stringify(both))).toEqual({ amount: '2.50', currency: 'USD' });
		expect(() => parseDeepSeekBalance('{"is_available": true, "balance_infos": []}')).toThrow(BalanceShapeError);
	});

	test('OpenRouter: credits left (management key), or what the key may still spend', () => {
		expect(parseOpenRouterCredits(fixture('openrouter-credits.json'))).toEqual({ amount: '74.75', currency: 'USD' });
		expect(parseOpenRouterKey(fixture('openrouter-key.json'))).toEqual({ amount: '74.5', currency: 'USD' });
		expect(parseOpenRouterKey('{"data": {"limit": null, "limit_remaining": null, "usage": 3}}')).toBeUndefined();
		expect(() => parseOpenRouterCredits('{"data": {}}')).toThrow(BalanceShapeError);
	});

	test('SiliconFlow and Moonshot, in the currency of the host', () => {
		expect(parseSiliconFlowBalance(fixture('siliconflow-user-info.json'), 'CNY')).toEqual({ amount: '88.88', currency: 'CNY' });
		expect(parseMoonshotBalance(fixture('moonshot-balance.json'), 'USD')).toEqual({ amount: '49.58894', currency: 'USD' });
		expect(() => parseMoonshotBalance('not json', 'CNY')).toThrow(BalanceShapeError);
	});
});

describe('balance requests', () => {
	test('each at the path its provider documents, the key as a bearer token', () => {
		const urls = (provider: Parameters<typeof balanceSteps>[0], base: string) => balanceSteps(provider, base, 'sk-x').map((s) => s.request.url);
		expect(urls('deepseek', 'https://api.deepseek.com/v1')).toEqual(['https://api.deepseek.com/user/balance']);
		expect(urls('openrouter', 'https://openrouter.ai/api/v1')).toEqual(['https://openrouter.ai/api/v1/credits', 'https://openrouter.ai/api/v1/key']);
		expect(urls('siliconflow', 'https://api.siliconflow.cn/v1')).toEqual(['https://api.siliconflow.cn/v1/user/info']);
		expect(urls('moonshot', 'https://api.moonshot.cn/v1')).toEqual(['https://api.moonshot.cn/v1/users/me/balance']);
		expect(balanceSteps('deepseek', 'https://api.deepseek.com/v1', 'sk-x')[0]!.request.headers.authorization).toBe('Bearer sk-x');
		expect(balanceSteps('moonshot', 'https://api.moonshot.cn/v1', 'sk-x')[0]!.parse(fixture('moonshot-balance.json'))).toEqual({ amount: '49.58894', currency: 'CNY' });
	});
});
