import { lookup } from 'node:dns/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import ipaddr from 'ipaddr.js';
import type { ImageFetcher } from '../providers/types';
import { effectiveAddress } from './ip-address';
import { ImageFetchError } from '../protocol/errors';

/**
 * Downloads a client-supplied image URL for an upstream that wants the bytes (Gemini, Workers
 * AI), with the SSRF guard of house rule 7:
 * - http and https only, no credentials in the URL;
 * - the host is resolved (every address) and refused when any address is not public unicast
 *   (loopback, private, link-local incl. 169.254.169.254, unspecified, CGNAT, multicast,
 *   unique-local, IPv4-mapped/embedded forms of those...), unless the host is allow-listed;
 * - redirects are followed by hand, each hop checked the same way;
 * - the connection goes to the very address that was checked: node:http's `lookup` hook hands
 *   it the checked address instead of resolving again, so a DNS answer that changes between
 *   the check and the connect (rebinding) cannot redirect us, while TLS still verifies the
 *   certificate against the host name (fetching the literal IP with a Host header would break
 *   https certificate checks and SNI);
 * - one deadline covers the whole fetch, redirects and body included, and the body is cut as
 *   soon as it passes the size cap;
 * - the answer must say image/* or start with PNG/JPEG/GIF/WebP magic bytes.
 * Refusals throw ImageFetchError (protocol/errors.ts), whose message can go to the client in a 400.
 */

export { ImageFetchError };

export interface ImageFetcherOptions {
	/** Hosts ("name" or "name:port") that may be private, e.g. an internal image server. */
	allowHosts: readonly string[];
	/** Default 20 MB. */
	maxBytes?: number;
	/** For the whole fetch, redirects included. Default 10 s. */
	timeoutMs?: number;
	/** Default 5. */
	maxRedirects?: number;
	/** Resolves a host name to all its addresses (tests inject one). Default: node:dns lookup. */
	resolve?: (hostname: string) => Promise<readonly string[]>;
}

const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_REDIRECTS = 5;

async function systemResolve(hostname: string): Promise<readonly string[]> {
	const addresses = await lookup(hostname, { all: true, verbatim: true });
	return addresses.map((a) => a.address);
}

export function createImageFetcher(options: ImageFetcherOptions): ImageFetcher {
	const allowHosts = new Set(options.allowHosts.map((h) => h.trim().toLowerCase()).filter(Boolean));
	const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
	const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
	const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
	const resolve = options.resolve ?? systemResolve;

	async function target(url: URL): Promise<{ address: string; family: 4 | 6 }> {
		if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ImageFetchError('Image URLs must use http or https.');
		if (url.username || url.password) throw new ImageFetchError('Image URLs must not contain credentials.');
		const hostname = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
		const allowed = allowHosts.has(hostname) || allowHosts.has(url.host.toLowerCase());
		let addresses: readonly string[];
		if (ipaddr.isValid(hostname)) addresses = [hostname];
		else {
			try {
				addresses = await resolve(hostname);
			} catch {
				throw new ImageFetchError(`The image host ${hostname} could not be resolved.`);
			}
			if (addresses.length === 0) throw new ImageFetchError(`The image host ${hostname} could not be resolved.`);
		}
		if (!allowed && addresses.some((a) => !isPublicAddress(a))) {
			throw new ImageFetchError(`The image host ${hostname} is not a public address; images must come from the public internet.`);
		}
		const address = addresses[0] ?? '';
		return { address, family: address.includes(':') ? 6 : 4 };
	}

	return async function fetchImage(raw: string) {
		let url: URL;
		try {
			url = new URL(raw);
		} catch {
			throw new ImageFetchError('The image URL is not a valid URL.');
		}
		const controller = new AbortController();
		const timer = setTimeout(() => controller.abort(), timeoutMs);
		try {
			for (let hop = 0; ; hop++) {
				const pinned = await target(url);
				const res = await get(url, pinned, controller.signal, timeoutMs);
				const status = res.statusCode ?? 0;
				const location = res.headers.location;
				if (status >= 300 && status < 400 && location) {
					res.destroy();
					if (hop >= maxRedirects) throw new ImageFetchError(`The image URL redirected more than ${maxRedirects} times.`);
					try {
						url = new URL(location, url);
					} catch {
						throw new ImageFetchError('The image URL redirected to an invalid URL.');
					}
					continue;
				}
				if (status !== 200) {
					res.destroy();
					throw new ImageFetchError(`The image URL answered HTTP ${status}.`);
				}
				return await readImage(res, maxBytes, controller.signal, timeoutMs);
			}
		} finally {
			clearTimeout(timer);
		}
	};
}

/**
 * Public unicast only. ipaddr.js names every special range (loopback, private, linkLocal,
 * carrierGradeNat, multicast, unspecified, broadcast, reserved, uniqueLocal, 6to4, teredo,
 * rfc6052...); anything but "unicast" is refused. IPv6 that carries an IPv4 address
 * (mapped, compatible, NAT64, 6to4) is judged as that IPv4 address.
 */
export function isPublicAddress(ip: string): boolean {
	return effectiveAddress(ip)?.range() === 'unicast';
}

function timeoutError(timeoutMs: number): ImageFetchError {
	return new ImageFetchError(`The image could not be downloaded within ${Math.round(timeoutMs / 100) / 10} s.`);
}

/** One GET to the pinned address (the `lookup` hook replaces DNS; literal IPs skip it). */
function get(url: URL, pinned: { address: string; family: 4 | 6 }, signal: AbortSignal, timeoutMs: number): Promise<IncomingMessage> {
	const client = url.protocol === 'https:' ? https : http;
	return new Promise((resolve, reject) => {
		if (signal.aborted) return reject(timeoutError(timeoutMs));
		const req = client.request(url, {
			method: 'GET',
			headers: { accept: 'image/*', 'user-agent': 'Elygate-ImageFetcher/1' },
			lookup: (_host: string, opts: { all?: boolean }, callback: (...args: unknown[]) => void) => {
				if (opts?.all) callback(null, [{ address: pinned.address, family: pinned.family }]);
				else callback(null, pinned.address, pinned.family);
			}
		} as http.RequestOptions);
		const onAbort = () => {
			req.destroy();
			reject(timeoutError(timeoutMs));
		};
		signal.addEventListener('abort', onAbort, { once: true });
		req.on('response', (res) => {
			signal.removeEventListener('abort', onAbort);
			resolve(res);
		});
		req.on('error', () => {
			signal.removeEventListener('abort', onAbort);
			reject(signal.aborted ? timeoutError(timeoutMs) : new ImageFetchError('The image URL could not be reached.'));
		});
		req.end();
	});
}

async function readImage(res: IncomingMessage, maxBytes: number, signal: AbortSignal, timeoutMs: number): Promise<{ mediaType: string; base64: string }> {
	const declared = Number(res.headers['content-length']);
	if (Number.isFinite(declared) && declared > maxBytes) {
		res.destroy();
		throw tooLarge(maxBytes);
	}
	const onAbort = () => res.destroy();
	signal.addEventListener('abort', onAbort, { once: true });
	const chunks: Buffer[] = [];
	let size = 0;
	try {
		for await (const chunk of res) {
			const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
			size += buf.length;
			if (size > maxBytes) {
				res.destroy();
				throw tooLarge(maxBytes);
			}
			chunks.push(buf);
		}
	} catch (err) {
		if (err instanceof ImageFetchError) throw err;
		throw signal.aborted ? timeoutError(timeoutMs) : new ImageFetchError('The image download broke off.');
	} finally {
		signal.removeEventListener('abort', onAbort);
	}
	// A stream destroyed by the deadline can end quietly instead of throwing.
	if (signal.aborted) throw timeoutError(timeoutMs);
	const body = Buffer.concat(chunks);
	const mediaType = mediaTypeOf(res.headers['content-type'], body);
	if (!mediaType) throw new ImageFetchError('The image URL did not return an image.');
	return { mediaType, base64: body.toString('base64') };
}

function tooLarge(maxBytes: number): ImageFetchError {
	return new ImageFetchError(`The image is larger than ${Math.round(maxBytes / 1024 / 1024)} MB.`);
}

/** The declared image/* type, else what the magic bytes say, else nothing. */
function mediaTypeOf(contentType: string | undefined, body: Buffer): string | undefined {
	const declared = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
	if (/^image\/[a-z0-9.+-]+$/.test(declared)) return declared === 'image/jpg' ? 'image/jpeg' : declared;
	return sniff(body);
}

function sniff(body: Buffer): string | undefined {
	const starts = (bytes: number[], at = 0) => bytes.every((b, i) => body[at + i] === b);
	if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
	if (starts([0xff, 0xd8, 0xff])) return 'image/jpeg';
	if (body.subarray(0, 6).toString('latin1') === 'GIF87a' || body.subarray(0, 6).toString('latin1') === 'GIF89a') return 'image/gif';
	if (body.subarray(0, 4).toString('latin1') === 'RIFF' && body.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
	return undefined;
}
