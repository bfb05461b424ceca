import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { RecordedRequest } from './mock-upstream';

export type { RecordedRequest } from './mock-upstream';

/**
 * The plumbing the provider mocks (mock-azure, mock-workers-ai) share: an in-process node:http
 * server on 127.0.0.1 that records every request (method, path with query, lower-cased
 * headers, parsed JSON body) and hands it to the mock's own handler.
 */
export interface HttpMock {
	url: string;
	port: number;
	requests: RecordedRequest[];
	close(): Promise<void>;
}

export type Handler = (request: RecordedRequest, res: ServerResponse) => Promise<void> | void;

export async function startHttpMock(handler: Handler): Promise<HttpMock> {
	const requests: RecordedRequest[] = [];
	const sockets = new Set<Socket>();
	const server: Server = createServer((req, res) => {
		res.on('error', () => {});
		readBody(req)
			.then(async (raw) => {
				const recorded = record(req, raw);
				requests.push(recorded);
				await handler(recorded, res);
			})
			.catch(() => res.destroy());
	});
	server.on('connection', (socket: Socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve());
	});
	const address = server.address();
	if (typeof address !== 'object' || !address) throw new Error('mock has no TCP address');
	return {
		url: `http://127.0.0.1:${address.port}`,
		port: address.port,
		requests,
		async close() {
			const closed = new Promise<void>((resolve) => server.close(() => resolve()));
			server.closeAllConnections();
			for (const socket of sockets) socket.destroy();
			await closed;
		}
	};
}

function readBody(req: IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const parts: Buffer[] = [];
		req.on('data', (part: Buffer) => parts.push(part));
		req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
		req.on('error', reject);
	});
}

function record(req: IncomingMessage, raw: string): RecordedRequest {
	const headers: Record<string, string> = {};
	for (const [name, value] of Object.entries(req.headers)) {
		if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
	}
	let body: unknown = raw;
	if (raw !== '') {
		try {
			body = JSON.parse(raw) as unknown;
		} catch {
			// kept as text
		}
	}
	return { method: req.method ?? '', path: req.url ?? '', headers, body };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
	const text = typeof body === 'string' ? body : JSON.stringify(body);
	res.writeHead(status, {
		'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
		'content-length': String(Buffer.byteLength(text)),
		...headers
	});
	res.end(text);
}

/** Writes `data: <event>` for each event (objects are JSON-encoded), pausing `delayMs` between them. */
export async function sendSse(res: ServerResponse, events: unknown[], delayMs = 0): Promise<void> {
	res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
	for (const [i, event] of events.entries()) {
		if (i > 0 && delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
		if (res.destroyed) return;
		await new Promise<void>((resolve) => res.write(`data: ${typeof event === 'string' ? event : JSON.stringify(event)}\n\n`, () => resolve()));
	}
	res.end();
}

export function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `parts` pieces of roughly equal length, never splitting a code point. */
export function splitEvenly(text: string, parts: number): string[] {
	const chars = Array.from(text);
	const n = Math.max(1, parts);
	const pieces: string[] = [];
	for (let i = 0; i < n; i++) pieces.push(chars.slice(Math.floor((i * chars.length) / n), Math.floor(((i + 1) * chars.length) / n)).join(''));
	return pieces.filter((piece) => piece !== '');
}

/** A FIFO of scripted behaviours with a default, shared by the mocks. */
export class Script<B> {
	#queue: B[] = [];
	constructor(
		private readonly initial: B,
		private current: B = initial
	) {}
	enqueue(...behaviours: B[]): void {
		this.#queue.push(...behaviours);
	}
	setDefault(behaviour: B): void {
		this.current = behaviour;
	}
	next(): B {
		return this.#queue.shift() ?? this.current;
	}
	reset(): void {
		this.#queue = [];
		this.current = this.initial;
	}
}
