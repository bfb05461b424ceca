import { afterEach, describe, expect, test } from 'vitest';
import { emptyCounts } from '$lib/server/import/newapi/report';
import { baseLocale, getLocale, overwriteGetLocale } from '$lib/paraglide/runtime';
import { importSummary } from './import-notice';

const english = getLocale;

describe('importSummary', () => {
	afterEach(() => overwriteGetLocale(english));

	test('lists the non-zero counts in report order, singular where one', () => {
		expect(importSummary({ ...emptyCounts(), users: 2, apiKeys: 1, logs: 1200 })).toBe('2 users, 1 API key and 1,200 log rows');
	});

	test('one count alone, and none at all', () => {
		expect(importSummary({ ...emptyCounts(), channels: 1 })).toBe('1 channel');
		expect(importSummary(emptyCounts())).toBe('nothing new');
	});

	test('in the page language', () => {
		expect(baseLocale).toBe('en');
		overwriteGetLocale(() => 'zh-CN');
		expect(importSummary({ ...emptyCounts(), users: 2, apiKeys: 1, logs: 1200 })).toBe('2 个用户、1 个 API 密钥和 1,200 条日志');
		expect(importSummary(emptyCounts())).toBe('没有新内容');
	});
});
