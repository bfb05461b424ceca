import { afterEach, describe, expect, test } from 'vitest';
import { localizeChannelError } from './channel-errors';
import { m } from './paraglide/messages';
import { baseLocale, overwriteGetLocale } from './paraglide/runtime';

afterEach(() => overwriteGetLocale(() => baseLocale));

describe('results kept in English, shown in the page language', () => {
	test('a known sentence is rendered again in Chinese with the same inputs', () => {
		overwriteGetLocale(() => 'zh-CN');
		const english = m.channels_upstream_http({ status: 401, message: 'Incorrect API key: sk-…' }, { locale: 'en' });
		expect(english).toBe('The upstream answered 401: Incorrect API key: sk-…');
		expect(localizeChannelError(english)).toBe('上游返回 401：Incorrect API key: sk-…');
		expect(localizeChannelError('No answer within 30 s.')).toBe('30 秒内没有应答。');
		expect(localizeChannelError('No adaptor for channel type "x".')).toBe('没有适用于渠道类型“x”的适配器。');
	});

	test("the upstream's own words, and English pages, are left as they are", () => {
		overwriteGetLocale(() => 'zh-CN');
		expect(localizeChannelError('rate limit exceeded (upstream)')).toBe('rate limit exceeded (upstream)');
		expect(localizeChannelError(null)).toBe('');
		overwriteGetLocale(() => 'en');
		expect(localizeChannelError('The upstream could not be reached.')).toBe('The upstream could not be reached.');
	});
});
