import { connect } from 'node:net';

/** A host that answered within this long counts as reachable: no connect check needed. */
const PROVEN_MS = 60_000;
const provenAt = new Map<string, number>();
const viaProxy = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].some((name) => Boolean(process.env[name]));

function originOf(url: string): { key: string; host: string; port: number } {
	const u = new URL(url);
	const port = Number(u.port) || (u.protocol === 'https:' ? 443 : 80);
	return { key: `${u.hostname}:${port}`, host: u.hostname.replace(/^\[|\]$/g, ''), port };
}

/** Records that the host behind `url` answered. */
export function markReachable(url: string, now = Date.now()): void {
	provenAt.set(originOf(url).key, now);
}

/**
 * The connect timeout. Bun's fetch does not expose the moment its connection is up, so while a
 * host is unproven a plain TCP connect races the request: it resolves `undefined` once the host
 * accepts (or right away for a proven host) and `'unreachable'` when it does not within `timeoutMs`.
 */
export function checkReachable(url: string, timeoutMs: number, now = Date.now()): Promise<'unreachable' | undefined> {
	// Behind an egress proxy the upstream host may not be reachable directly at all; the
	// first-byte timeout still bounds the wait.
	if (viaProxy) return Promise.resolve(undefined);
	const origin = originOf(url);
	const seen = provenAt.get(origin.key);
	if (seen !== undefined && now - seen < PROVEN_MS) return Promise.resolve(undefined);
	return new Promise((resolve) => {
		const socket = connect({ host: origin.host, port: origin.port });
		const done = (result: 'unreachable' | undefined) => {
			clearTimeout(timer);
			socket.destroy();
			resolve(result);
		};
		const timer = setTimeout(() => done('unreachable'), timeoutMs);
		socket.once('connect', () => {
			markReachable(url);
			done(undefined);
		});
		socket.once('error', () => done('unreachable'));
	});
}
