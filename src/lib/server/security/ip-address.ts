import ipaddr from 'ipaddr.js';

/**
 * An address as the network would treat it: IPv6 forms that carry an IPv4 address inside
 * (IPv4-mapped `::ffff:a.b.c.d`, the deprecated IPv4-compatible `::a.b.c.d`, NAT64's
 * `64:ff9b::/96` and 6to4's `2002::/16`) are judged as that IPv4 address, so `::a9fe:a9fe`
 * is 169.254.169.254 and `::7f00:1` is 127.0.0.1. Undefined for text that is not an address.
 */
export function effectiveAddress(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
	const text = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
	if (!ipaddr.isValid(text)) return undefined;
	const address = ipaddr.parse(text);
	if (address.kind() === 'ipv4') return address;
	return embeddedIPv4(address as ipaddr.IPv6) ?? address;
}

function embeddedIPv4(v6: ipaddr.IPv6): ipaddr.IPv4 | undefined {
	const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0, h = 0] = v6.parts; // eight 16-bit groups
	const tail = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
	if (v6.isIPv4MappedAddress()) return v6.toIPv4Address();
	const middleZero = c === 0 && d === 0 && e === 0 && f === 0;
	// IPv4-compatible (RFC 4291 2.5.5.1): 96 zero bits; `::` and `::1` are IPv6's own.
	if (a === 0 && b === 0 && middleZero && (g !== 0 || h > 1)) return tail(g, h);
	// NAT64 well-known prefix (RFC 6052): a translator reaches the IPv4 address for us.
	if (a === 0x64 && b === 0xff9b && middleZero) return tail(g, h);
	// 6to4 (RFC 3056): 2002:AABB:CCDD::/48 routes to AA.BB.CC.DD.
	if (a === 0x2002) return tail(b, c);
	return undefined;
}
