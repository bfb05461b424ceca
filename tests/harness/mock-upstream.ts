import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * A controllable stand-in for the OpenAI HTTP API, started inside the test process, that the
 * gateway under test uses as an upstream channel. Tests script how it answers (`enqueue`,
 * `setDefault`) and assert on what it received (`requests`) and on how callers treated it
 * (`clientAborts`, `open`).
 *
 * Built on node:http rather than Bun.serve because tests need to drop a connection before
 * any header is written and to notice when the caller hangs up early.
 *
 * Defaults, chosen to be deterministic:
 * - content "Hello from the mock.", streamed in `chunks` (4) roughly equal pieces;
 * - model: the request's `model` (so the gateway's model mapping shows), else "mock-gpt";
 * - usage { prompt_tokens: 11, completion_tokens: chunks, total_tokens: sum }; embeddings
 *   report { prompt_tokens: 11, total_tokens: 11 } (or the behaviour's prompt_tokens);
 * - with `toolCalls` and no explicit `content`, content is null and there are no content
 *   events; each tool's arguments are streamed in `chunks` pieces after a header fragment;
 * - a `gate` without `gateAfterChunk` holds a stream after event 1 (the role chunk) and a
 *   non-stream answer before anything is written;
 * - `drop-mid-stream` on a non-stream request writes the headers and half of the JSON body.
 */

export interface RecordedRequest {
	method: string;
	/** Path and query exactly as received, e.g. "/v1/chat/completions". */
	path: string;
	/** Lower-cased names. */
	headers: Record<string, string>;
	/** Parsed JSON when the body is JSON, else the raw string ('' when none). */
	body: unknown;
}

export type Behaviour =
	| {
			kind: 'ok';
			delayMs?: number;
			content?: string;
			model?: string;
			usage?: { prompt_tokens: number; completion_tokens: number } | null;
			toolCalls?: Array<{ id: string; name: string; arguments: string }>;
			chunks?: number;
			gate?: Gate;
			gateAfterChunk?: number;
			chunkDelayMs?: number;
	  }
	| { kind: 'error'; status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number }
	| { kind: 'drop-before-headers'; delayMs?: number }
	| { kind: 'drop-mid-stream'; afterChunks: number }
	/** An SSE response of exactly these bytes, written in these pieces, then ended or held open (for malformed streams). */
	| { kind: 'raw-stream'; chunks: string[]; thenHang?: boolean }
	| { kind: 'hang' }; // accept the request and never answer (until the client goes away)

export interface Gate {
	release(): void;
	readonly released: boolean;
}

export interface MockUpstream {
	/** Base URL without a path, e.g. "http://127.0.0.1:41234". */
	url: string;
	port: number;
	requests: RecordedRequest[];
	/** Behaviours for the next requests, consumed in order; after that `setDefault`'s (initially { kind: 'ok' }). */
	enqueue(...behaviours: Behaviour[]): void;
	setDefault(behaviour: Behaviour): void;
	/** Answers every request made with this upstream key (Bearer) so, before the queue; undefined clears. */
	forKey(secret: string, behaviour: Behaviour | undefined): void;
	gate(): Gate;
	/** Number of requests whose client closed the connection before the mock finished its response. */
	readonly clientAborts: number;
	/** Number of requests currently being answered (response not finished, connection open). */
	readonly open: number;
	/** Clears requests, queue, counters; default back to { kind: 'ok' }. Drops responses still in progress. */
	reset(): void;
	/** Stops listening and destroys open sockets. */
	close(): Promise<void>;
}

export function startMockUpstream(): Promise<MockUpstream> {
	return MockServer.start();
}

const DEFAULT_CONTENT = 'Hello from the mock.';
const DEFAULT_CHUNKS = 4;
const DEFAULT_PROMPT_TOKENS = 11;
const DEFAULT_MODEL = 'mock-gpt';
const FAKE_KEY = 'sk-mock-secret-1234567890abcdef';
const EMBEDDING_DIMENSIONS = 8;
/**
 * Bun's fetch discards body bytes its reader has not consumed yet when the connection dies,
 * and a write callback fires before the bytes are on the wire; so a deliberate drop waits
 * this long after its last write, giving the caller time to read what was sent.
 */
const DROP_GRACE_MS = 30;

const NOT_FOUND = { error: { message: 'not found (mock)', type: 'invalid_request_error', param: null, code: null } };
const MODELS = { object: 'list', data: [{ id: DEFAULT_MODEL, object: 'model', created: 1700000000, owned_by: 'mock' }] };

type Endpoint = 'chat' | 'completions' | 'embeddings' | 'models';
type OkBehaviour = Extract<Behaviour, { kind: 'ok' }>;
type Usage = { prompt_tokens: number; completion_tokens: number; total_tokens: number };
type ToolCall = { id: string; name: string; arguments: string };

/** What an `ok` (or `drop-mid-stream`) behaviour resolves to for one request. */
interface Reply {
	model: string;
	content: string | null;
	pieces: number;
	toolCalls: ToolCall[];
	usage: Usage | null;
	stream: boolean;
	includeUsage: boolean;
}

/** The wire form of an answer: one JSON document, or the `data:` payloads of an SSE stream. */
type Answer = { stream: false; body: unknown } | { stream: true; events: string[] };

/** One response in progress. */
class Exchange {
	/** Set when the mock itself ends the connection without finishing the response. */
	droppedByMock = false;
	closed = false;
	readonly whenClosed: Promise<void>;
	#onClosed = () => {};

	constructor(
		readonly res: ServerResponse,
		readonly generation: number
	) {
		this.whenClosed = new Promise((resolve) => (this.#onClosed = resolve));
	}

	markClosed(): void {
		this.closed = true;
		this.#onClosed();
	}

	drop(): void {
		this.droppedByMock = true;
		const socket = this.res.socket;
		if (socket) socket.destroy();
		else this.res.destroy();
	}
}

class MockGate implements Gate {
	#released = false;
	readonly #opened: Promise<void>;
	#open = () => {};

	constructor() {
		this.#opened = new Promise((resolve) => (this.#open = resolve));
	}

	get released(): boolean {
		return this.#released;
	}

	release(): void {
		this.#released = true;
		this.#open();
	}

	wait(): Promise<void> {
		return this.#opened;
	}
}

class MockServer implements MockUpstream {
	url = '';
	port = 0;
	readonly requests: RecordedRequest[] = [];
	#queue: Behaviour[] = [];
	#default: Behaviour = { kind: 'ok' };
	readonly #byKey = new Map<string, Behaviour>();
	#clientAborts = 0;
	/** Bumped by reset() so responses started before it cannot touch the new counters. */
	#generation = 0;
	readonly #inProgress = new Set<Exchange>();
	readonly #sockets = new Set<Socket>();
	readonly #server: Server;

	private constructor() {
		this.#server = createServer((req, res) => this.#handle(req, res));
		// Keep-alive sockets outlive their responses; close() has to reach idle ones too.
		this.#server.on('connection', (socket: Socket) => {
			this.#sockets.add(socket);
			socket.on('close', () => this.#sockets.delete(socket));
		});
	}

	static async start(): Promise<MockServer> {
		const mock = new MockServer();
		await new Promise<void>((resolve, reject) => {
			mock.#server.once('error', reject);
			mock.#server.listen(0, '127.0.0.1', () => resolve());
		});
		const address = mock.#server.address();
		if (typeof address !== 'object' || !address) throw new Error('mock upstream has no TCP address');
		mock.port = address.port;
		mock.url = `http://127.0.0.1:${address.port}`;
		return mock;
	}

	get clientAborts(): number {
		return this.#clientAborts;
	}

	get open(): number {
		return this.#inProgress.size;
	}

	enqueue(...behaviours: Behaviour[]): void {
		this.#queue.push(...behaviours);
	}

	setDefault(behaviour: Behaviour): void {
		this.#default = behaviour;
	}

	forKey(secret: string, behaviour: Behaviour | undefined): void {
		if (behaviour) this.#byKey.set(secret, behaviour);
		else this.#byKey.delete(secret);
	}

	gate(): Gate {
		return new MockGate();
	}

	reset(): void {
		this.requests.length = 0;
		this.#queue = [];
		this.#byKey.clear();
		this.#default = { kind: 'ok' };
		this.#clientAborts = 0;
		this.#generation++;
		this.#dropAllInProgress();
	}

	async close(): Promise<void> {
		this.#dropAllInProgress();
		const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
		this.#server.closeAllConnections();
		for (const socket of this.#sockets) socket.destroy();
		await closed;
	}

	#dropAllInProgress(): void {
		for (const exchange of this.#inProgress) exchange.drop();
		this.#inProgress.clear();
	}

	#handle(req: IncomingMessage, res: ServerResponse): void {
		const exchange = this.#track(res);
		req.on('error', () => {});
		readBody(req)
			.then(async (raw) => {
				const recorded = recordRequest(req, raw);
				this.requests.push(recorded);
				await this.#answer(exchange, recorded);
			})
			.catch(() => {
				if (!exchange.closed) exchange.drop();
			});
	}

	#track(res: ServerResponse): Exchange {
		const exchange = new Exchange(res, this.#generation);
		this.#inProgress.add(exchange);
		res.on('error', () => {});
		res.on('finish', () => this.#inProgress.delete(exchange));
		// 'close' on the response (not the request, whose 'close' fires once its body is read)
		// is what tells a caller hanging up apart from a finished response.
		res.on('close', () => {
			exchange.markClosed();
			this.#inProgress.delete(exchange);
			const abandoned = !res.writableEnded && !exchange.droppedByMock;
			if (abandoned && exchange.generation === this.#generation) this.#clientAborts++;
		});
		return exchange;
	}

	async #answer(exchange: Exchange, request: RecordedRequest): Promise<void> {
		const endpoint = route(request.method, request.path);
		if (!endpoint) return sendJson(exchange.res, 404, NOT_FOUND);
		if (endpoint === 'models') return sendJson(exchange.res, 200, MODELS);

		const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
		const behaviour = this.#byKey.get(bearer) ?? this.#queue.shift() ?? this.#default;
		if ('delayMs' in behaviour && behaviour.delayMs) await pause(behaviour.delayMs, exchange);
		if (exchange.closed) return;

		switch (behaviour.kind) {
			case 'hang':
				return;
			case 'drop-before-headers':
				return exchange.drop();
			case 'error':
				return this.#sendError(exchange, request, behaviour);
			case 'drop-mid-stream':
				return dropMidAnswer(exchange, buildAnswer(endpoint, request.body, { kind: 'ok' }), behaviour.afterChunks);
			case 'raw-stream':
				return sendRawStream(exchange, behaviour.chunks, behaviour.thenHang ?? false);
			case 'ok':
				return sendAnswer(exchange, buildAnswer(endpoint, request.body, behaviour), behaviour);
		}
	}

	#sendError(exchange: Exchange, request: RecordedRequest, behaviour: Extract<Behaviour, { kind: 'error' }>): void {
		const body =
			behaviour.body === undefined
				? {
						error: {
							message: `Mock upstream failure (${behaviour.status}) at ${this.url}${request.path} using key ${FAKE_KEY}`,
							type: behaviour.status >= 500 ? 'server_error' : 'invalid_request_error',
							param: null,
							code: null
						}
					}
				: behaviour.body;
		const text = typeof body === 'string' ? body : JSON.stringify(body);
		const contentType = typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
		exchange.res.writeHead(behaviour.status, {
			'content-type': contentType,
			'content-length': String(Buffer.byteLength(text)),
			...behaviour.headers
		});
		exchange.res.end(text);
	}
}

/** Which emulated endpoint a request is for; a single leading "/v1" is optional. */
function route(method: string, path: string): Endpoint | undefined {
	const pathname = path.split('?')[0] ?? '';
	const bare = pathname.startsWith('/v1/') ? pathname.slice('/v1'.length) : pathname;
	if (method === 'GET' && bare === '/models') return 'models';
	if (method !== 'POST') return undefined;
	if (bare === '/chat/completions') return 'chat';
	if (bare === '/completions') return 'completions';
	if (bare === '/embeddings') return 'embeddings';
	return undefined;
}

function readBody(req: IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const parts: Buffer[] = [];
		req.on('data', (part: Buffer) => parts.push(part));
		req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
		req.on('error', reject);
	});
}

function recordRequest(req: IncomingMessage, raw: string): RecordedRequest {
	const headers: Record<string, string> = {};
	for (const [name, value] of Object.entries(req.headers)) {
		if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
	}
	return { method: req.method ?? '', path: req.url ?? '', headers, body: parseBody(raw) };
}

function parseBody(raw: string): unknown {
	if (raw === '') return '';
	try {
		return JSON.parse(raw) as unknown;
	} catch {
		return raw;
	}
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(body: unknown, name: string): unknown {
	return isRecord(body) ? body[name] : undefined;
}

function resolveReply(body: unknown, behaviour: OkBehaviour): Reply {
	const requestedModel = field(body, 'model');
	const toolCalls = behaviour.toolCalls ?? [];
	const pieces = Math.max(0, Math.floor(behaviour.chunks ?? DEFAULT_CHUNKS));
	const usage =
		behaviour.usage === null
			? null
			: withTotal(behaviour.usage ?? { prompt_tokens: DEFAULT_PROMPT_TOKENS, completion_tokens: pieces });
	return {
		model: behaviour.model ?? (typeof requestedModel === 'string' ? requestedModel : DEFAULT_MODEL),
		content: behaviour.content ?? (toolCalls.length > 0 ? null : DEFAULT_CONTENT),
		pieces,
		toolCalls,
		usage,
		stream: field(body, 'stream') === true,
		includeUsage: field(field(body, 'stream_options'), 'include_usage') === true
	};
}

function withTotal(usage: { prompt_tokens: number; completion_tokens: number }): Usage {
	return { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
}

function buildAnswer(endpoint: Exclude<Endpoint, 'models'>, body: unknown, behaviour: OkBehaviour): Answer {
	const reply = resolveReply(body, behaviour);
	const created = Math.floor(Date.now() / 1000);
	switch (endpoint) {
		case 'chat': {
			const id = `chatcmpl-mock${randomId()}`;
			return reply.stream
				? { stream: true, events: chatEvents(id, created, reply) }
				: { stream: false, body: chatCompletion(id, created, reply) };
		}
		case 'completions': {
			const id = `cmpl-mock${randomId()}`;
			return reply.stream
				? { stream: true, events: completionEvents(id, created, reply) }
				: { stream: false, body: textCompletion(id, created, reply) };
		}
		case 'embeddings':
			return { stream: false, body: embeddingList(body, reply) };
	}
}

function randomId(): string {
	return randomBytes(10).toString('hex');
}

function chatCompletion(id: string, created: number, reply: Reply): unknown {
	const message: Record<string, unknown> = { role: 'assistant', content: reply.content, refusal: null };
	if (reply.toolCalls.length > 0) {
		message.tool_calls = reply.toolCalls.map((call) => ({
			id: call.id,
			type: 'function',
			function: { name: call.name, arguments: call.arguments }
		}));
	}
	return {
		id,
		object: 'chat.completion',
		created,
		model: reply.model,
		system_fingerprint: 'fp_mock',
		choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason(reply) }],
		...(reply.usage ? { usage: reply.usage } : {})
	};
}

function finishReason(reply: Reply): 'stop' | 'tool_calls' {
	return reply.toolCalls.length > 0 ? 'tool_calls' : 'stop';
}

function chatEvents(id: string, created: number, reply: Reply): string[] {
	const base = { id, object: 'chat.completion.chunk', created, model: reply.model, system_fingerprint: 'fp_mock' };
	const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
		...base,
		choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
		...(reply.includeUsage ? { usage: null } : {})
	});
	const chunks: unknown[] = [chunk({ role: 'assistant', content: '' })];
	if (reply.content !== null) {
		for (const piece of splitEvenly(reply.content, reply.pieces)) chunks.push(chunk({ content: piece }));
	}
	reply.toolCalls.forEach((call, index) => {
		chunks.push(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }));
		for (const piece of splitEvenly(call.arguments, reply.pieces)) {
			chunks.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
		}
	});
	chunks.push(chunk({}, finishReason(reply)));
	if (reply.includeUsage && reply.usage) chunks.push({ ...base, choices: [], usage: reply.usage });
	return [...chunks.map((c) => JSON.stringify(c)), '[DONE]'];
}

function textCompletion(id: string, created: number, reply: Reply): unknown {
	return {
		id,
		object: 'text_completion',
		created,
		model: reply.model,
		choices: [{ text: reply.content ?? '', index: 0, logprobs: null, finish_reason: 'stop' }],
		...(reply.usage ? { usage: reply.usage } : {})
	};
}

function completionEvents(id: string, created: number, reply: Reply): string[] {
	const base = { id, object: 'text_completion', created, model: reply.model };
	const chunk = (text: string, finish: string | null) => ({
		...base,
		choices: [{ text, index: 0, logprobs: null, finish_reason: finish }],
		...(reply.includeUsage ? { usage: null } : {})
	});
	const chunks: unknown[] = splitEvenly(reply.content ?? '', reply.pieces).map((piece) => chunk(piece, null));
	chunks.push(chunk('', 'stop'));
	if (reply.includeUsage && reply.usage) chunks.push({ ...base, choices: [], usage: reply.usage });
	return [...chunks.map((c) => JSON.stringify(c)), '[DONE]'];
}

function embeddingList(body: unknown, reply: Reply): unknown {
	const base64 = field(body, 'encoding_format') === 'base64';
	const data = embeddingInputs(field(body, 'input')).map((item, index) => {
		const vector = embeddingFor(item);
		return { object: 'embedding', index, embedding: base64 ? float32Base64(vector) : vector };
	});
	const promptTokens = reply.usage?.prompt_tokens ?? DEFAULT_PROMPT_TOKENS;
	return {
		object: 'list',
		data,
		model: reply.model,
		...(reply.usage ? { usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } } : {})
	};
}

/** One entry per embedded item: a string, an array of strings, one token array, or an array of token arrays. */
function embeddingInputs(input: unknown): unknown[] {
	if (!Array.isArray(input)) return [input];
	if (input.length > 0 && input.every((item) => typeof item === 'number')) return [input];
	return input;
}

/**
 * A vector derived from the item's text, so equal inputs embed equally. Values are k/1024 - 1,
 * exact in float32, so the SDK's default base64 encoding decodes to the very same numbers.
 */
function embeddingFor(item: unknown): number[] {
	let state = fnv1a(JSON.stringify(item) ?? '') || 1;
	const vector: number[] = [];
	for (let i = 0; i < EMBEDDING_DIMENSIONS; i++) {
		state ^= state << 13;
		state ^= state >>> 17;
		state ^= state << 5;
		state >>>= 0;
		vector.push((state % 2049) / 1024 - 1);
	}
	return vector;
}

function fnv1a(text: string): number {
	let hash = 0x811c9dc5;
	for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
	return hash;
}

function float32Base64(vector: number[]): string {
	return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

/** `parts` pieces of roughly equal length, never splitting a code point; some may be empty. */
function splitEvenly(text: string, parts: number): string[] {
	const chars = Array.from(text);
	const pieces: string[] = [];
	for (let i = 0; i < parts; i++) {
		pieces.push(chars.slice(Math.floor((i * chars.length) / parts), Math.floor(((i + 1) * chars.length) / parts)).join(''));
	}
	return pieces;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
	const text = JSON.stringify(body);
	res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
	res.end(text);
}

async function sendAnswer(exchange: Exchange, answer: Answer, behaviour: OkBehaviour): Promise<void> {
	if (!answer.stream) {
		if (behaviour.gate) await waitForGate(behaviour.gate, exchange);
		if (!exchange.closed) sendJson(exchange.res, 200, answer.body);
		return;
	}
	startStream(exchange.res);
	const gateAfter = behaviour.gate ? (behaviour.gateAfterChunk ?? 1) : undefined;
	for (const [i, event] of answer.events.entries()) {
		if (i > 0 && behaviour.chunkDelayMs) await pause(behaviour.chunkDelayMs, exchange);
		if (exchange.closed) return;
		await writeEvent(exchange, event);
		if (behaviour.gate && i + 1 === gateAfter) await waitForGate(behaviour.gate, exchange);
		if (exchange.closed) return;
	}
	exchange.res.end();
}

/** Sends the first `afterEvents` events of a stream (never [DONE]), or half a JSON body, then drops. */
async function dropMidAnswer(exchange: Exchange, answer: Answer, afterEvents: number): Promise<void> {
	if (answer.stream) {
		startStream(exchange.res);
		const count = Math.min(Math.max(0, afterEvents), answer.events.length - 1);
		for (const event of answer.events.slice(0, count)) {
			await writeEvent(exchange, event);
			if (exchange.closed) return;
		}
	} else {
		const text = JSON.stringify(answer.body);
		exchange.res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
		await write(exchange, text.slice(0, Math.floor(text.length / 2)));
	}
	await pause(DROP_GRACE_MS, exchange);
	// After the pause's timer, let pending I/O run once more before the connection goes.
	await new Promise((resolve) => setImmediate(resolve));
	if (!exchange.closed) exchange.drop();
}

async function sendRawStream(exchange: Exchange, chunks: string[], thenHang: boolean): Promise<void> {
	startStream(exchange.res);
	for (const chunk of chunks) {
		await write(exchange, chunk);
		if (exchange.closed) return;
	}
	if (thenHang) await exchange.whenClosed;
	else exchange.res.end();
}

function startStream(res: ServerResponse): void {
	res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
}

function writeEvent(exchange: Exchange, data: string): Promise<void> {
	return write(exchange, `data: ${data}\n\n`);
}

/** Writes and waits for the write to be handed off, or for the connection to go away. */
function write(exchange: Exchange, text: string): Promise<void> {
	const written = new Promise<void>((resolve) => exchange.res.write(text, () => resolve()));
	return Promise.race([written, exchange.whenClosed]);
}

/** Waits `ms`, or less when the connection goes away first. */
function pause(ms: number, exchange: Exchange): Promise<void> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const elapsed = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
	return Promise.race([elapsed, exchange.whenClosed]).finally(() => clearTimeout(timer));
}

function waitForGate(gate: Gate, exchange: Exchange): Promise<void> {
	return Promise.race([gate instanceof MockGate ? gate.wait() : pollGate(gate, exchange), exchange.whenClosed]);
}

/** For a Gate not made by `gate()`, which has nothing to wait on but its flag. */
async function pollGate(gate: Gate, exchange: Exchange): Promise<void> {
	while (!gate.released && !exchange.closed) await pause(5, exchange);
}
