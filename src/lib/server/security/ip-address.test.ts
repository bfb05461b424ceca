import { describe, expect, test } from 'vitest';
import { effectiveAddress } from './ip-address';
import { checkChannelHost, isMetadataAddress } from './outbound';
import { isPublicAddress } from './fetch-image';

describe('IPv4 hidden in IPv6 is judged as that IPv4 address', () => {
	test.each([
		['::ffff:169.254.169.254', '169.254.169.254'],
		['::a9fe:a9fe', '169.254.169.254'],
		['[::7f00:1]', '127.0.0.1'],
		['64:ff9b::a9fe:a9fe', '169.254.169.254'],
		['2002:a9fe:a9fe::1', '169.254.169.254'],
		['10.1.2.3', '10.1.2.3']
	])('%s is %s', (spelled, ipv4) => {
		expect(effectiveAddress(spelled)?.toString()).toBe(ipv4);
	});

	test('IPv6 of its own stays IPv6; junk is not an address', () => {
		expect(effectiveAddress('::1')?.kind()).toBe('ipv6');
		expect(effectiveAddress('::')?.kind()).toBe('ipv6');
		expect(effectiveAddress('2001:4860::8888')?.kind()).toBe('ipv6');
		expect(effectiveAddress('example.com')).toBeUndefined();
	});

	test('metadata and private addresses cannot hide behind another spelling', () => {
		for (const ip of ['169.254.169.254', '::ffff:a9fe:a9fe', '::a9fe:a9fe', '64:ff9b::a9fe:a9fe', '2002:a9fe:a9fe::', 'fe80::1', 'fd00:ec2::254', '100.100.100.200']) {
			expect(isMetadataAddress(ip), ip).toBe(true);
		}
		expect(isMetadataAddress('10.0.0.5')).toBe(false);
		expect(isMetadataAddress('::7f00:1')).toBe(false);
		for (const ip of ['::7f00:1', '::ffff:127.0.0.1', '64:ff9b::a00:1', '2002:c0a8:101::1']) expect(isPublicAddress(ip), ip).toBe(false);
		expect(isPublicAddress('8.8.8.8')).toBe(true);
		expect(isPublicAddress('2002:808:808::1')).toBe(true);
	});

	test('channel hosts: metadata names, literals and names that resolve to them', async () => {
		const resolve = async (host: string) => (host === 'sneaky.example' ? ['10.0.0.1', '169.254.169.254'] : ['203.0.113.7']);
		expect(await checkChannelHost('[::a9fe:a9fe]', resolve)).toMatch(/metadata/);
		expect(await checkChannelHost('metadata.google.internal.', resolve)).toMatch(/metadata/);
		expect(await checkChannelHost('sneaky.example', resolve)).toMatch(/resolves to a cloud metadata address/);
		expect(await checkChannelHost('api.example', resolve)).toBeUndefined();
		expect(await checkChannelHost('127.0.0.1', resolve)).toBeUndefined();
	});
});
