import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal']);

/**
 * Cloud metadata services hand out credentials to whoever asks from inside the VM. Channel
 * base URLs may point at private hosts (vLLM, Ollama on the LAN) but never there.
 */
export function isMetadataAddress(ip: string): boolean {
	if (!ipaddr.isValid(ip)) return false;
	let addr = ipaddr.parse(ip);
	if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
	if (addr.kind() === 'ipv4') {
		// 169.254.0.0/16 (link-local, AWS/GCP/Azure/OCI metadata) and Alibaba's 100.100.100.200.
		return addr.range() === 'linkLocal' || addr.toString() === '100.100.100.200';
	}
	const v6 = addr.toNormalizedString();
	return addr.range() === 'linkLocal' || v6 === 'fd00:ec2:0:0:0:0:0:254';
}

/** Checks a channel base URL's host, resolving names; unresolvable names pass (they fail later anyway). */
export async function checkChannelHost(hostname: string): Promise<string | undefined> {
	const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
	if (METADATA_NAMES.has(host)) return 'Cloud metadata addresses cannot be used as upstreams.';
	if (ipaddr.isValid(host)) return isMetadataAddress(host) ? 'Cloud metadata addresses cannot be used as upstreams.' : undefined;
	try {
		const addresses = await lookup(host, { all: true });
		if (addresses.some((a) => isMetadataAddress(a.address))) return `${host} resolves to a cloud metadata address.`;
	} catch {
		// Not resolvable from here right now; nothing to check.
	}
	return undefined;
}
