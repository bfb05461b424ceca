export interface TrustedProxy {
	/** Lower-case header name, e.g. "x-forwarded-for" or "x-real-ip". */
	header: string;
	/** Which address from the right of a comma list is the client (1 = the last one). */
	depth: number;
}

/**
 * The client's address: the socket's peer, unless a trusted proxy is configured, in which case
 * the address it appended to its header. Counting from the right matters: everything left of
 * the proxies we trust was written by the client and proves nothing.
 */
export function clientIp(headers: Headers, socketAddress: string | undefined, proxy: TrustedProxy | undefined): string {
	if (proxy) {
		const value = headers.get(proxy.header);
		if (value) {
			const hops = value.split(',').map((h) => h.trim()).filter(Boolean);
			const pick = hops[hops.length - proxy.depth] ?? hops[0];
			if (pick) return normalizeIp(pick);
		}
	}
	return normalizeIp(socketAddress ?? '');
}

/** "::ffff:10.0.0.1" is 10.0.0.1; "[::1]:5000" and "1.2.3.4:5000" lose their ports. */
export function normalizeIp(ip: string): string {
	let s = ip.trim();
	const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(s);
	if (bracketed?.[1]) s = bracketed[1];
	else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(s)) s = s.slice(0, s.lastIndexOf(':'));
	if (s.toLowerCase().startsWith('::ffff:') && s.includes('.')) s = s.slice(7);
	return s;
}
