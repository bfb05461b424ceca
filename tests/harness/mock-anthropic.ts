import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * A stand-in for Anthropic's Messages API (POST /v1/messages), started inside the test process.
 * It checks requests the way the real API does and answers 400 / 401 in Anthropic's error shape
 * (`{"type":"error","error":{"type","message"},"request_id"}`) when something is wrong:
 * - the path is POST /v1/messages (a query such as ?beta=true is fine), else 404 not_found_error;
 * - `anthropic-version` is present and is 2023-06-01 or 2026-10-21;
 * - the key is sent as `x-api-key` or `Authorization: Bearer` and equals `apiKey`, else 401;
 * - the body has `model`, a positive integer `max_tokens`, non-empty `messages` that start with
 *   user and alternate user/assistant, no empty text blocks, every tool_use answered by a
 *   tool_result at the start of the next (user) turn, and no result for an unknown call;
 *   `temperature` within 0–1; a thinking budget of at least 1024 and below max_tokens;
 * - under 2026-10-21: no `temperature`, `top_p` or `top_k` at all.
 *
 *   const mock = await startMockAnthropic({ apiKey: 'sk-ant-test' });
 *   mock.enqueue({ kind: 'ok', text: 'Hi', toolUses: [{ name: 'f', input: { a: 1 } }], usage: { cache_read_input_tokens: 50 } });
 *   mock.enqueue(rateLimited(3), overloaded());
 *   // base URL for a channel: `${mock.url}/v1`; then inspect mock.requests
 *
 * Answers (queued behaviours first, then the default { kind: 'ok' }):
 * - ok: a `message` (non-stream) or the real event sequence (`stream: true`): message_start,
 *   ping, per block content_block_start / deltas / content_block_stop (thinking with
 *   thinking_delta + signature_delta, text in `chunks` text_delta pieces, tool_use with
 *   input_json_delta pieces), message_delta (stop_reason + output_tokens), message_stop.
 *   Defaults: text "Hello from the mock Claude." (none when toolUses are given), model = the
 *   request's, usage { input_tokens: 11, output_tokens: 4, cache numbers 0 }, stop_reason
 *   tool_use when there are tool uses, else end_turn;
 * - error: that status with an Anthropic error body (type from the status unless given) and
 *   any headers (e.g. retry-after); `rateLimited(s)` and `overloaded()` build the usual two;
 * - stream-error: a stream that sends `afterEvents` events, then an `error` event, and ends;
 * - hang: never answers.
 */

export interface RecordedRequest {
	method: string;
	path: string;
	/** Lower-cased names. */
	headers: Record<string, string>;
	/** Parsed JSON, or the raw text when it is not JSON. */
	body: unknown;
}

export interface AnthropicUsage {
	input_tokens: number;
	output_tokens: number;
	cache_creation_input_tokens: number;
	cache_read_input_tokens: number;
}

export type AnthropicBehaviour =
	| {
			kind: 'ok';
			text?: string;
			thinking?: Array<{ thinking: string; signature?: string }>;
			toolUses?: Array<{ id?: string; name: string; input: Record<string, unknown> }>;
			usage?: Partial<AnthropicUsage>;
			stopReason?: string;
			model?: string;
			/** Pieces each text / tool input is streamed in (default 4). */
			chunks?: number;
			delayMs?: number;
	  }
	| { kind: 'error'; status: number; type?: string; message?: string; headers?: Record<string, string>; delayMs?: number }
	| { kind: 'stream-error'; afterEvents: number; type?: string; message?: string }
	| { kind: 'hang' };

export interface MockAnthropic {
	/** Without a path, e.g. "http://127.0.0.1:41234"; channels use `${url}/v1`. */
	url: string;
	port: number;
	apiKey: string;
	requests: RecordedRequest[];
	enqueue(...behaviours: AnthropicBehaviour[]): void;
	setDefault(behaviour: AnthropicBehaviour): void;
	/** Clears requests and the queue; the default goes back to { kind: 'ok' }. */
	reset(): void;
	close(): Promise<void>;
}

export const rateLimited = (retryAfterSeconds: number): AnthropicBehaviour => ({
	kind: 'error',
	status: 429,
	type: 'rate_limit_error',
	message: 'Number of request tokens has exceeded your per-minute rate limit',
	headers: { 'retry-after': String(retryAfterSeconds) }
});

export const overloaded = (): AnthropicBehaviour => ({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' });

const VERSIONS = new Set(['2023-06-01', '2026-10-21']);
const DEFAULT_TEXT = 'Hello from the mock Claude.';
const ERROR_TYPES: Record<number, string> = {
	400: 'invalid_request_error',
	401: 'authentication_error',
	402: 'billing_error',
	403: 'permission_error',
	404: 'not_found_error',
	413: 'request_too_large',
	429: 'rate_limit_error',
	500: 'api_error',
	504: 'timeout_error',
	529: 'overloaded_error'
};

type Json = Record<string, unknown>;
const rec = (v: unknown): Json | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);

export async function startMockAnthropic(options: { apiKey?: string } = {}): Promise<MockAnthropic> {
	const apiKey = options.apiKey ?? 'sk-ant-mock-key';
	const requests: RecordedRequest[] = [];
	let queue: AnthropicBehaviour[] = [];
	let fallback: AnthropicBehaviour = { kind: 'ok' };
	const sockets = new Set<Socket>();

	const server: Server = createServer((req, res) => {
		res.on('error', () => {});
		readBody(req)
			.then((raw) => {
				const recorded = record(req, raw);
				requests.push(recorded);
				return answer(recorded, res);
			})
			.catch(() => res.destroy());
	});
	server.on('connection', (socket: Socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});

	async function answer(request: RecordedRequest, res: ServerResponse): Promise<void> {
		const [path] = request.path.split('?');
		if (request.method !== 'POST' || path !== '/v1/messages') return sendError(res, 404, 'not_found_error', `Not found: ${request.method} ${path}`);
		const invalid = checkHeaders(request.headers, apiKey) ?? checkBody(request.body, request.headers['anthropic-version'] ?? '');
		if (invalid) return sendError(res, invalid.status, ERROR_TYPES[invalid.status]!, invalid.message);
		const behaviour = queue.shift() ?? fallback;
		if (behaviour.kind === 'hang') return;
		if ('delayMs' in behaviour && behaviour.delayMs) await new Promise((r) => setTimeout(r, behaviour.delayMs));
		const body = rec(request.body)!;
		if (behaviour.kind === 'error') {
			return sendError(res, behaviour.status, behaviour.type ?? ERROR_TYPES[behaviour.status] ?? 'api_error', behaviour.message ?? `Mock failure (${behaviour.status})`, behaviour.headers);
		}
		const message = buildMessage(body, behaviour.kind === 'ok' ? behaviour : { kind: 'ok' });
		if (body.stream !== true) return sendJson(res, 200, message);
		let events = streamEvents(message, behaviour.kind === 'ok' ? (behaviour.chunks ?? 4) : 4);
		if (behaviour.kind === 'stream-error') {
			const error = { type: 'error', error: { type: behaviour.type ?? 'overloaded_error', message: behaviour.message ?? 'Overloaded' } };
			events = [...events.slice(0, behaviour.afterEvents), error];
		}
		res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': requestId() });
		for (const event of events) res.write(`event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`);
		res.end();
	}

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve());
	});
	const address = server.address();
	if (typeof address !== 'object' || !address) throw new Error('mock Anthropic has no TCP address');
	return {
		url: `http://127.0.0.1:${address.port}`,
		port: address.port,
		apiKey,
		requests,
		enqueue: (...behaviours) => void queue.push(...behaviours),
		setDefault: (behaviour) => void (fallback = behaviour),
		reset() {
			requests.length = 0;
			queue = [];
			fallback = { kind: 'ok' };
		},
		async close() {
			const closed = new Promise<void>((resolve) => server.close(() => resolve()));
			server.closeAllConnections();
			for (const socket of sockets) socket.destroy();
			await closed;
		}
	};
}

type Invalid = { status: number; message: string } | undefined;

function checkHeaders(headers: Record<string, string>, apiKey: string): Invalid {
	const version = headers['anthropic-version'];
	if (!version) return { status: 400, message: 'anthropic-version: header is required' };
	if (!VERSIONS.has(version)) return { status: 400, message: `anthropic-version: invalid version ${version}` };
	const key = headers['x-api-key'] ?? /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
	if (!key) return { status: 401, message: 'x-api-key header is required' };
	if (key !== apiKey) return { status: 401, message: 'invalid x-api-key' };
	return undefined;
}

function checkBody(body: unknown, version: string): Invalid {
	const bad = (message: string): Invalid => ({ status: 400, message });
	const b = rec(body);
	if (!b) return bad('The request body is not valid JSON.');
	if (typeof b.model !== 'string' || !b.model) return bad('model: Field required');
	if (typeof b.max_tokens !== 'number' || !Number.isInteger(b.max_tokens) || b.max_tokens < 1) return bad('max_tokens: Field required');
	if (version === '2026-10-21') {
		for (const param of ['temperature', 'top_p', 'top_k']) if (param in b) return bad(`${param}: Extra inputs are not permitted`);
	}
	if (typeof b.temperature === 'number' && (b.temperature < 0 || b.temperature > 1)) return bad('temperature: Input should be less than or equal to 1');
	const thinking = rec(b.thinking);
	if (thinking?.type === 'enabled') {
		const budget = Number(thinking.budget_tokens);
		if (!(budget >= 1024)) return bad('thinking.enabled.budget_tokens: Input should be greater than or equal to 1024');
		if (budget >= b.max_tokens) return bad('`max_tokens` must be greater than `thinking.budget_tokens`');
	}
	if (!Array.isArray(b.messages) || b.messages.length === 0) return bad('messages: at least one message is required');
	let pendingCalls: string[] = [];
	for (const [i, item] of b.messages.entries()) {
		const m = rec(item) ?? {};
		const role = m.role;
		if (role !== 'user' && role !== 'assistant') return bad(`messages.${i}.role: Input should be 'user' or 'assistant'`);
		if (i === 0 && role !== 'user') return bad('messages: first message must use the "user" role');
		if (i > 0 && rec(b.messages[i - 1])?.role === role) return bad('messages: roles must alternate between "user" and "assistant"');
		const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : Array.isArray(m.content) ? m.content.map(rec) : [];
		if (blocks.length === 0) return bad(`messages.${i}: all messages must have non-empty content`);
		const results: string[] = [];
		for (const [k, block] of blocks.entries()) {
			if (block?.type === 'text' && !(typeof block.text === 'string' && block.text.trim())) return bad(`messages.${i}.content.${k}.text: text content blocks must be non-empty`);
			if (block?.type === 'tool_result') {
				if (k !== results.length) return bad(`messages.${i}: tool_result blocks must come first in the user turn`);
				results.push(String(block.tool_use_id));
			}
		}
		const missing = pendingCalls.filter((id) => !results.includes(id));
		if (missing.length) return bad(`messages.${i}: tool_use ids were found without tool_result blocks immediately after: ${missing.join(', ')}`);
		const unknown = results.filter((id) => !pendingCalls.includes(id));
		if (unknown.length) return bad(`messages.${i}.content: unexpected tool_use_id found in tool_result blocks: ${unknown[0]}`);
		pendingCalls = role === 'assistant' ? blocks.filter((x) => x?.type === 'tool_use').map((x) => String(x!.id)) : [];
	}
	if (pendingCalls.length) return bad('messages: the final assistant turn has tool_use blocks without results');
	return undefined;
}

function buildMessage(body: Json, behaviour: Extract<AnthropicBehaviour, { kind: 'ok' }>): Json {
	const toolUses = behaviour.toolUses ?? [];
	const content: Json[] = [];
	for (const t of behaviour.thinking ?? []) content.push({ type: 'thinking', thinking: t.thinking, signature: t.signature ?? `sig_${randomBytes(12).toString('base64')}` });
	const text = behaviour.text ?? (toolUses.length ? undefined : DEFAULT_TEXT);
	if (text !== undefined) content.push({ type: 'text', text });
	for (const t of toolUses) content.push({ type: 'tool_use', id: t.id ?? `toolu_mock${randomBytes(8).toString('hex')}`, name: t.name, input: t.input });
	const usage: AnthropicUsage = { input_tokens: 11, output_tokens: 4, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, ...behaviour.usage };
	return {
		id: `msg_mock${randomBytes(8).toString('hex')}`,
		type: 'message',
		role: 'assistant',
		model: behaviour.model ?? body.model,
		content,
		stop_reason: behaviour.stopReason ?? (toolUses.length ? 'tool_use' : 'end_turn'),
		stop_sequence: null,
		usage
	};
}

/** The event sequence Anthropic streams for `message` (data objects; each `type` is its event name). */
function streamEvents(message: Json, pieces: number): Json[] {
	const usage = message.usage as AnthropicUsage;
	const start = { ...message, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } };
	const events: Json[] = [{ type: 'message_start', message: start }, { type: 'ping' }];
	(message.content as Json[]).forEach((block, index) => {
		const delta = (d: Json) => events.push({ type: 'content_block_delta', index, delta: d });
		if (block.type === 'thinking') {
			events.push({ type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } });
			for (const piece of split(String(block.thinking), pieces)) delta({ type: 'thinking_delta', thinking: piece });
			delta({ type: 'signature_delta', signature: block.signature });
		} else if (block.type === 'text') {
			events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
			for (const piece of split(String(block.text), pieces)) delta({ type: 'text_delta', text: piece });
		} else {
			events.push({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
			delta({ type: 'input_json_delta', partial_json: '' });
			for (const piece of split(JSON.stringify(block.input), pieces)) delta({ type: 'input_json_delta', partial_json: piece });
		}
		events.push({ type: 'content_block_stop', index });
	});
	events.push({ type: 'message_delta', delta: { stop_reason: message.stop_reason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
	events.push({ type: 'message_stop' });
	return events;
}

/** Non-empty pieces of roughly equal size, never splitting a code point. */
function split(text: string, parts: number): string[] {
	const chars = Array.from(text);
	const n = Math.max(1, Math.min(parts, chars.length));
	const out: string[] = [];
	for (let i = 0; i < n; i++) out.push(chars.slice(Math.floor((i * chars.length) / n), Math.floor(((i + 1) * chars.length) / n)).join(''));
	return out.filter(Boolean);
}

function requestId(): string {
	return `req_mock${randomBytes(8).toString('hex')}`;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
	const text = JSON.stringify(body);
	res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), 'request-id': requestId(), ...headers });
	res.end(text);
}

function sendError(res: ServerResponse, status: number, type: string, message: string, headers: Record<string, string> = {}): void {
	sendJson(res, status, { type: 'error', error: { type, message }, request_id: requestId() }, headers);
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
	for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
	let body: unknown = raw;
	try {
		body = JSON.parse(raw);
	} catch {
		// kept as text; the body check refuses it
	}
	return { method: req.method ?? '', path: req.url ?? '', headers, body };
}
