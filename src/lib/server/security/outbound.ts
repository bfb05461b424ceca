import { lookup } from 'node:dns/promises';
import { effectiveAddress } from './ip-address';

const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal']);

export const METADATA_REFUSAL = 'Cloud metadata addresses cannot be used as upstreams.';

/**
 * Cloud metadata services hand out credentials to whoever asks from inside the VM. Channel
 * base URLs may point at private hosts (vLLM, Ollama on the LAN) but never there, however the
 * address is spelled (IPv4 inside IPv6 included).
 */
export function isMetadataAddress(ip: string): boolean {
	const addr = effectiveAddress(ip);
	if (!addr) return false;
	if (addr.kind() === 'ipv4') {
		// 169.254.0.0/16 (link-local, AWS/GCP/Azure/OCI metadata) and Alibaba's 100.100.100.200.
		return addr.range() === 'linkLocal' || addr.toString() === '100.100.100.200';
	}
	return addr.range() === 'linkLocal' || addr.toNormalizedString() === 'fd00:ec2:0:0:0:0:0:254';
}

/** A host name that names a metadata service itself, or a literal metadata address. */
export function isMetadataHost(hostname: string): boolean {
	const host = hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
	return METADATA_NAMES.has(host) || isMetadataAddress(host);
}

export type Resolve = (host: string) => Promise<readonly string[]>;

export const systemResolve: Resolve = async (host) => (await lookup(host, { all: true })).map((a) => a.address);

/**
 * Why a channel host may not be used, or undefined: a metadata name or address, or a name
 * that resolves to one. Unresolvable names pass here (the call to them fails on its own).
 */
export async function checkChannelHost(hostname: string, resolve: Resolve = systemResolve): Promise<string | undefined> {
	const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
	if (isMetadataHost(host)) return METADATA_REFUSAL;
	if (effectiveAddress(host)) return undefined;
	try {
		const addresses = await resolve(host);
		if (addresses.some(isMetadataAddress)) return `${host} resolves to a cloud metadata address.`;
	} catch {
		// Not resolvable from here right now; nothing to check.
	}
	return undefined;
}
