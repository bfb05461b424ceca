import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Range<T extends Address> = readonly [network: T, bits: number];

interface ParsedEntry {
	address: Address;
	bits: number;
	/** Written without a prefix; shown back the same way. */
	bare: boolean;
}

export type AllowListEntryResult = { ok: true; normalized: string } | { ok: false; message: string };

/** Validates one allow-list entry (an IPv4/IPv6 address or CIDR range) as typed by a user. */
export function parseAllowListEntry(entry: string): AllowListEntryResult {
	const parsed = parseEntry(entry);
	if (!parsed) return { ok: false, message: `"${entry.trim()}" is not a valid IP address or CIDR range` };
	const text = parsed.address.toString();
	return { ok: true, normalized: parsed.bare ? text : `${text}/${parsed.bits}` };
}

/**
 * Compiles an allow-list into a matcher for the per-request check. An empty list allows every
 * address. Unparseable entries are skipped (entries are validated when saved), but a list
 * whose entries are all unparseable still allows nothing: a broken list must fail closed.
 */
export function compileAllowList(entries: readonly string[]): (ip: string) => boolean {
	if (entries.length === 0) return () => true;
	const v4: Range<ipaddr.IPv4>[] = [];
	const v6: Range<ipaddr.IPv6>[] = [];
	for (const entry of entries) {
		const parsed = parseEntry(entry);
		if (parsed?.address instanceof ipaddr.IPv4) v4.push([parsed.address, parsed.bits]);
		else if (parsed?.address instanceof ipaddr.IPv6) v6.push([parsed.address, parsed.bits]);
	}
	return (ip) => {
		const address = parseCandidate(ip);
		if (address instanceof ipaddr.IPv4) return v4.some(([network, bits]) => address.match(network, bits));
		if (address instanceof ipaddr.IPv6) return v6.some(([network, bits]) => address.match(network, bits));
		return false;
	};
}

function parseEntry(entry: string): ParsedEntry | undefined {
	const [addressText = '', prefixText, ...rest] = entry.trim().split('/');
	if (rest.length > 0 || addressText.includes('%')) return undefined;
	const address = parseAddress(addressText);
	if (!address) return undefined;
	const maxBits = address instanceof ipaddr.IPv4 ? 32 : 128;
	if (prefixText === undefined) return unmapped({ address, bits: maxBits, bare: true });
	// Plain decimal only: "/08" or "/+8" are typos, not prefixes.
	if (!/^(?:0|[1-9]\d{0,2})$/.test(prefixText)) return undefined;
	const bits = Number(prefixText);
	if (bits > maxBits) return undefined;
	return unmapped({ address: networkOf(address, bits), bits, bare: false });
}

/**
 * Dotted quads only: ipaddr.js also takes "127.1", "0x7f.0.0.1" and "010.0.0.1" (octal), which
 * are more likely typos than intent in an allow-list.
 */
function parseAddress(text: string): Address | undefined {
	if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
	if (ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text);
	return undefined;
}

/** Dual-stack sockets report IPv4 clients as ::ffff:a.b.c.d; they must meet the IPv4 ranges. */
function parseCandidate(ip: string): Address | undefined {
	const address = parseAddress(ip.trim().replace(/%.*$/, ''));
	return address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress() ? address.toIPv4Address() : address;
}

/** "::ffff:10.0.0.0/104" is 10.0.0.0/8; keeping one family per range keeps matching simple. */
function unmapped(entry: ParsedEntry): ParsedEntry {
	const { address, bits } = entry;
	if (!(address instanceof ipaddr.IPv6) || !address.isIPv4MappedAddress() || bits < 96) return entry;
	return { ...entry, address: address.toIPv4Address(), bits: bits - 96 };
}

/** "10.1.2.3/8" means 10.0.0.0/8; store and show the network, not the host typed. */
function networkOf(address: Address, bits: number): Address {
	const bytes = address.toByteArray().map((byte, i) => byte & maskByte(bits - i * 8));
	return ipaddr.fromByteArray(bytes);
}

function maskByte(bitsLeft: number): number {
	if (bitsLeft >= 8) return 0xff;
	if (bitsLeft <= 0) return 0;
	return (0xff << (8 - bitsLeft)) & 0xff;
}
