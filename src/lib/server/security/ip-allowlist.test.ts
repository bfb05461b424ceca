import { describe, expect, test } from 'vitest';
import { compileAllowList, parseAllowListEntry } from './ip-allowlist';

describe('parseAllowListEntry', () => {
	test.each([
		['1.2.3.4', '1.2.3.4'],
		['  1.2.3.4  ', '1.2.3.4'],
		['10.0.0.0/8', '10.0.0.0/8'],
		['10.1.2.3/8', '10.0.0.0/8'],
		['192.168.1.77/24', '192.168.1.0/24'],
		['1.2.3.4/32', '1.2.3.4/32'],
		['0.0.0.0/0', '0.0.0.0/0'],
		['2001:db8::/32', '2001:db8::/32'],
		['2001:0DB8:0000:0000::/32', '2001:db8::/32'],
		['2001:db8:abcd:12::1/48', '2001:db8:abcd::/48'],
		['::1', '::1'],
		['::/0', '::/0'],
		['::ffff:1.2.3.4', '1.2.3.4'],
		['::ffff:10.0.0.0/104', '10.0.0.0/8']
	])('accepts %s as %s', (entry, normalized) => {
		expect(parseAllowListEntry(entry)).toEqual({ ok: true, normalized });
	});

	test.each([
		'',
		'garbage',
		'example.com',
		'localhost',
		'10.0.0.0/33',
		'::/129',
		'10.0.0.0/-1',
		'10.0.0.0/08',
		'10.0.0.0/',
		'10.0.0.0/8/8',
		'10.0.0.256',
		'10.0.0',
		'127.1',
		'0x7f.0.0.1',
		'010.0.0.1',
		'1.2.3.4:80',
		'fe80::1%eth0',
		'2001:db8:::1'
	])('rejects %j', (entry) => {
		const result = parseAllowListEntry(entry);
		expect(result.ok).toBe(false);
	});

	test('explains the rejection in words', () => {
		expect(parseAllowListEntry('10.0.0.0/33')).toEqual({
			ok: false,
			message: '"10.0.0.0/33" is not a valid IP address or CIDR range'
		});
	});
});

describe('compileAllowList', () => {
	test('an empty list allows everyone, even unparseable addresses', () => {
		const allowed = compileAllowList([]);
		expect(allowed('1.2.3.4')).toBe(true);
		expect(allowed('2001:db8::1')).toBe(true);
		expect(allowed('')).toBe(true);
	});

	test('matches IPv4 addresses and ranges', () => {
		const allowed = compileAllowList(['10.0.0.0/8', '192.168.1.5']);
		expect(allowed('10.1.2.3')).toBe(true);
		expect(allowed('10.255.255.255')).toBe(true);
		expect(allowed('11.0.0.1')).toBe(false);
		expect(allowed('192.168.1.5')).toBe(true);
		expect(allowed('192.168.1.6')).toBe(false);
	});

	test('matches IPv6 addresses and ranges', () => {
		const allowed = compileAllowList(['2001:db8::/32', '::1']);
		expect(allowed('2001:db8:1234::42')).toBe(true);
		expect(allowed('2001:0db8:0000:0000:0000:0000:0000:0001')).toBe(true);
		expect(allowed('2001:db9::1')).toBe(false);
		expect(allowed('::1')).toBe(true);
		expect(allowed('::2')).toBe(false);
	});

	test('IPv4-mapped IPv6 clients meet the IPv4 ranges, and the other way round', () => {
		expect(compileAllowList(['10.0.0.0/8'])('::ffff:10.1.2.3')).toBe(true);
		expect(compileAllowList(['10.0.0.0/8'])('::FFFF:10.1.2.3')).toBe(true);
		expect(compileAllowList(['10.0.0.0/8'])('::ffff:11.1.2.3')).toBe(false);
		expect(compileAllowList(['::ffff:10.0.0.0/104'])('10.9.9.9')).toBe(true);
		expect(compileAllowList(['::ffff:1.2.3.4'])('1.2.3.4')).toBe(true);
	});

	test('families do not cross', () => {
		expect(compileAllowList(['0.0.0.0/0'])('2001:db8::1')).toBe(false);
		expect(compileAllowList(['::/0'])('1.2.3.4')).toBe(false);
		expect(compileAllowList(['0.0.0.0/0', '::/0'])('2001:db8::1')).toBe(true);
	});

	test('tolerates whitespace and zone ids on the candidate', () => {
		const allowed = compileAllowList(['fe80::/10', '1.2.3.4']);
		expect(allowed(' 1.2.3.4 ')).toBe(true);
		expect(allowed('fe80::1%eth0')).toBe(true);
	});

	test('an unparseable candidate never matches a non-empty list', () => {
		const allowed = compileAllowList(['0.0.0.0/0', '::/0']);
		for (const ip of ['', 'unknown', 'localhost', '1.2.3', '127.1', '1.2.3.4:5000', '[::1]']) expect(allowed(ip)).toBe(false);
	});

	test('ignores entries that do not parse but keeps the others', () => {
		const allowed = compileAllowList(['nonsense', '10.0.0.0/33', '1.2.3.4']);
		expect(allowed('1.2.3.4')).toBe(true);
		expect(allowed('10.0.0.1')).toBe(false);
	});

	test('a list of only broken entries fails closed', () => {
		const allowed = compileAllowList(['nonsense', '']);
		expect(allowed('1.2.3.4')).toBe(false);
	});

	test('a host address in a range still matches the whole network', () => {
		expect(compileAllowList(['10.1.2.3/8'])('10.200.0.1')).toBe(true);
	});
});
