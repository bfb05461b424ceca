import { connect } from 'node:net';

/** A host that answered within this long counts as reachable: no connect check needed. */
const PROVEN_MS = 60_000;
const provenAt = new Map<string, number>();
const viaProxy = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].some((name) => Boolean(process.env[name]));

interface Origin {
	key: string;
	host: string;
	port: number;
}

// Upstream URLs repeat (a channel's base URL and a few paths): parse each once.
const origins = new Map<string, Origin>();

function originOf(url: string): Origin {
	let origin = origins.get(url);
	if (origin) return origin;
	const u = new URL(url);
	const port = Number(u.port) || (u.protocol === 'https:' ? 443 : 80);
	origin = { key: `${u.hostname}:${port}`, host: u.hostname.replace(/^\[|\]$/g, ''), port };
	if (origins.size >= 10_000) origins.clear();
	origins.set(url, origin);
	return origin;
}

/** Records that the host behind `url` answered. */
export function markReachable(url: string, now = Date.now()): void {
	provenAt.set(originOf(url).key, now);
}

/** Whether the host answered recently enough that no connect check is needed. */
export function isProven(url: string, now = Date.now()): boolean {
	if (viaProxy) return true;
	const seen = provenAt.get(originOf(url).key);
	return seen !== undefined && now - seen < PROVEN_MS;
}

/**
 * The connect timeout. Bun's fetch does not expose the moment its connection is up, so while a
 * host is unproven a plain TCP connect races the request: it resolves `undefined` once the host
 * accepts (or right away for a proven host) and `'unreachable'` when it does not within `timeoutMs`.
 */
export function checkReachable(url: string, timeoutMs: number, now = Date.now()): Promise<'unreachable' | undefined> {
	// Behind an egress proxy the upstream host may not be reachable directly at all; the
	// first-byte timeout still bounds the wait.
	if (isProven(url, now)) return Promise.resolve(undefined);
	const origin = originOf(url);
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
