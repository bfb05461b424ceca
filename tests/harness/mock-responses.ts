import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * A stand-in for an upstream that serves the OpenAI Responses API (`POST …/v1/responses`),
 * for end-to-end tests of the `/v1/responses` passthrough. Started in-process:
 *
 *   const mock = await startMockResponses();          // mock.url = "http://127.0.0.1:PORT"
 *   mock.enqueue({ kind: 'ok', content: 'Hi', usage: { input_tokens: 20, cached_tokens: 8, output_tokens: 5, reasoning_tokens: 2 } });
 *   mock.enqueue({ kind: 'error', status: 429, headers: { 'retry-after': '2' } });
 *   ... point a channel at `${mock.url}/v1` and call the gateway ...
 *   mock.requests[0]  // { method, path, headers (lower-cased), body (parsed JSON) }
 *   await mock.close();
 *
 * Behaviours are consumed in order, then the default (`setDefault`, initially `{ kind: 'ok' }`).
 * An `ok` answer is a `response` object, or — when the body has `stream: true` — the Responses
 * SSE sequence (response.created … response.completed, `sequence_number` from 0, no [DONE]):
 * one message item with `content` split in `chunks` deltas, then one function_call item per
 * `toolCalls` entry. Defaults: content "Hello from the mock.", model = the request's model,
 * usage { input_tokens: 11, cached_tokens: 0, output_tokens: chunks, reasoning_tokens: 0 }.
 * `midStreamError` ends a stream after the message item with `response.failed`.
 *
 * Validation (answered 400 in OpenAI's error shape, `{"error":{message,type,param,code}}`):
 * method POST, a path ending in `/responses`, `authorization: Bearer <non-empty>`, a JSON
 * object body with a non-empty string `model` and `input` as a string or an array, `stream`
 * absent or boolean, and no `previous_response_id` (the mock is stateless, like the gateway).
 */

export interface RecordedRequest {
	method: string;
	path: string;
	headers: Record<string, string>;
	body: unknown;
}

export interface MockUsage {
	input_tokens: number;
	cached_tokens?: number;
	output_tokens: number;
	reasoning_tokens?: number;
}

export type ResponsesBehaviour =
	| {
			kind: 'ok';
			content?: string;
			model?: string;
			usage?: MockUsage;
			toolCalls?: Array<{ call_id: string; name: string; arguments: string }>;
			chunks?: number;
			midStreamError?: string;
	  }
	| { kind: 'error'; status: number; body?: unknown; headers?: Record<string, string> };

export interface MockResponses {
	url: string;
	requests: RecordedRequest[];
	enqueue(...behaviours: ResponsesBehaviour[]): void;
	setDefault(behaviour: ResponsesBehaviour): void;
	reset(): void;
	close(): Promise<void>;
}

function openaiError(message: string, param: string | null = null, type = 'invalid_request_error', code: string | null = null) {
	return { error: { message, type, param, code } };
}

/** Why the request is refused, or undefined when it is well formed. */
function invalid(req: RecordedRequest): { message: string; param: string | null } | undefined {
	if (req.method !== 'POST') return { message: `Method ${req.method} not allowed`, param: null };
	if (!/\/responses(\?|$)/.test(req.path)) return { message: `Unknown path ${req.path}`, param: null };
	if (!/^Bearer \S+$/.test(req.headers.authorization ?? '')) return { message: 'Missing bearer authentication', param: null };
	const body = req.body;
	if (body === null || typeof body !== 'object' || Array.isArray(body)) return { message: 'The body must be a JSON object', param: null };
	const b = body as Record<string, unknown>;
	if (typeof b.model !== 'string' || !b.model) return { message: 'Missing required parameter: model', param: 'model' };
	if (typeof b.input !== 'string' && !Array.isArray(b.input)) return { message: 'input must be a string or an array', param: 'input' };
	if (b.stream !== undefined && typeof b.stream !== 'boolean') return { message: 'stream must be a boolean', param: 'stream' };
	if (b.previous_response_id !== undefined && b.previous_response_id !== null) return { message: 'Previous response not found', param: 'previous_response_id' };
	return undefined;
}

function split(text: string, n: number): string[] {
	const size = Math.max(1, Math.ceil(text.length / n));
	const out: string[] = [];
	for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
	return out.length ? out : [''];
}

/** The `response` object and the SSE events for an ok behaviour. */
function answer(b: Extract<ResponsesBehaviour, { kind: 'ok' }>, model: string, seq: number) {
	const content = b.content ?? 'Hello from the mock.';
	const chunks = b.chunks ?? 4;
	const u = b.usage ?? { input_tokens: 11, output_tokens: chunks };
	const usage = {
		input_tokens: u.input_tokens,
		input_tokens_details: { cached_tokens: u.cached_tokens ?? 0 },
		output_tokens: u.output_tokens,
		output_tokens_details: { reasoning_tokens: u.reasoning_tokens ?? 0 },
		total_tokens: u.input_tokens + u.output_tokens
	};
	const id = `resp_mock${seq}`;
	const message = { type: 'message', id: `msg_mock${seq}`, status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: content, annotations: [] }] };
	const calls = (b.toolCalls ?? []).map((c, i) => ({ type: 'function_call', id: `fc_mock${seq}_${i}`, call_id: c.call_id, name: c.name, arguments: c.arguments, status: 'completed' }));
	const response = (status: string, output: unknown[], withUsage: boolean) => ({
		id,
		object: 'response',
		created_at: 1735689600,
		status,
		error: null,
		incomplete_details: null,
		model,
		output,
		usage: withUsage ? usage : null
	});

	const events: Array<Record<string, unknown>> = [];
	events.push({ type: 'response.created', response: response('in_progress', [], false) });
	events.push({ type: 'response.in_progress', response: response('in_progress', [], false) });
	const where = { item_id: message.id, output_index: 0 };
	events.push({ type: 'response.output_item.added', output_index: 0, item: { ...message, status: 'in_progress', content: [] } });
	events.push({ type: 'response.content_part.added', ...where, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
	for (const delta of split(content, chunks)) events.push({ type: 'response.output_text.delta', ...where, content_index: 0, delta });
	events.push({ type: 'response.output_text.done', ...where, content_index: 0, text: content });
	events.push({ type: 'response.content_part.done', ...where, content_index: 0, part: message.content[0] });
	events.push({ type: 'response.output_item.done', output_index: 0, item: message });
	if (b.midStreamError) {
		events.push({ type: 'response.failed', response: { ...response('failed', [message], false), error: { code: 'server_error', message: b.midStreamError } } });
	} else {
		calls.forEach((call, i) => {
			const at = { item_id: call.id, output_index: i + 1 };
			events.push({ type: 'response.output_item.added', output_index: i + 1, item: { ...call, arguments: '', status: 'in_progress' } });
			for (const delta of split(call.arguments, chunks)) events.push({ type: 'response.function_call_arguments.delta', ...at, delta });
			events.push({ type: 'response.function_call_arguments.done', ...at, arguments: call.arguments });
			events.push({ type: 'response.output_item.done', output_index: i + 1, item: call });
		});
		events.push({ type: 'response.completed', response: response('completed', [message, ...calls], true) });
	}
	const sse = events.map((e, i) => `event: ${String(e.type)}\ndata: ${JSON.stringify({ ...e, sequence_number: i })}\n\n`).join('');
	return { json: response('completed', [message, ...calls], true), sse };
}

export function startMockResponses(): Promise<MockResponses> {
	const requests: RecordedRequest[] = [];
	let queue: ResponsesBehaviour[] = [];
	let fallback: ResponsesBehaviour = { kind: 'ok' };
	const sockets = new Set<Socket>();

	async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const raw: Buffer[] = [];
		for await (const chunk of req) raw.push(chunk as Buffer);
		const text = Buffer.concat(raw).toString('utf8');
		let body: unknown = text;
		try {
			body = text ? JSON.parse(text) : '';
		} catch {
			// kept as text: refused below
		}
		const headers: Record<string, string> = {};
		for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
		const recorded = { method: req.method ?? '', path: req.url ?? '', headers, body };
		requests.push(recorded);

		const bad = invalid(recorded);
		if (bad) {
			res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify(openaiError(bad.message, bad.param)));
			return;
		}
		const behaviour = queue.shift() ?? fallback;
		if (behaviour.kind === 'error') {
			const errorBody = behaviour.body ?? openaiError(`Mock error ${behaviour.status}`, null, behaviour.status === 429 ? 'rate_limit_error' : 'server_error');
			res.writeHead(behaviour.status, { 'content-type': 'application/json', ...behaviour.headers }).end(typeof errorBody === 'string' ? errorBody : JSON.stringify(errorBody));
			return;
		}
		const b = body as Record<string, unknown>;
		const { json, sse } = answer(behaviour, behaviour.model ?? String(b.model), requests.length);
		if (b.stream === true) res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' }).end(sse);
		else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(json));
	}

	const server: Server = createServer((req, res) => {
		handle(req, res).catch(() => res.destroy());
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});

	return new Promise((resolve) => {
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			resolve({
				url: `http://127.0.0.1:${port}`,
				requests,
				enqueue: (...behaviours) => void queue.push(...behaviours),
				setDefault: (behaviour) => void (fallback = behaviour),
				reset() {
					requests.length = 0;
					queue = [];
					fallback = { kind: 'ok' };
				},
				close: () =>
					new Promise<void>((done) => {
						for (const socket of sockets) socket.destroy();
						server.close(() => done());
					})
			});
		});
	});
}
