import { describe, expect, it } from 'vitest';
import { negotiateLocale } from './negotiate';

describe('negotiateLocale', () => {
	it('reads any Chinese as Simplified Chinese and any English as English', () => {
		expect(negotiateLocale('zh-CN,zh;q=0.9,en;q=0.8')).toBe('zh-CN');
		expect(negotiateLocale('zh-TW')).toBe('zh-CN');
		expect(negotiateLocale('zh-Hans-CN')).toBe('zh-CN');
		expect(negotiateLocale('en-GB,en;q=0.9')).toBe('en');
	});

	it('follows the weights, not the order', () => {
		expect(negotiateLocale('en;q=0.5, zh;q=0.8')).toBe('zh-CN');
		expect(negotiateLocale('fr, en;q=0.3, zh;q=0')).toBe('en');
	});

	it('gives nothing for languages it does not write or a missing header', () => {
		expect(negotiateLocale('fr-FR, de;q=0.9')).toBeUndefined();
		expect(negotiateLocale(null)).toBeUndefined();
		expect(negotiateLocale('')).toBeUndefined();
	});
});
