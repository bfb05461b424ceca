import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * A stand-in for the Gemini API (generativelanguage.googleapis.com), started in the test
 * process, for end-to-end tests of a gateway channel of type "gemini".
 *
 *   const gemini = await startMockGemini();           // key: MOCK_GEMINI_KEY unless given
 *   // channel: type "gemini", baseUrl gemini.url (the adaptor adds /v1beta), key gemini.key
 *   gemini.enqueue({ kind: 'ok', text: 'Hi', usage: { prompt: 10, candidates: 2, cached: 4 } });
 *   gemini.enqueue(rateLimited(7));                    // 429 RESOURCE_EXHAUSTED, RetryInfo 7s
 *   gemini.enqueue(overloaded());                      // 503 UNAVAILABLE
 *   ... gemini.requests[0].body.contents ...
 *
 * It VALIDATES every request the way Gemini would refuse it, answering 400 INVALID_ARGUMENT
 * (403 PERMISSION_DENIED without a key) in Google's error shape, and records the request
 * either way (with `problem` set when refused):
 * - POST /v1beta/models/{model}:generateContent, or :streamGenerateContent?alt=sse;
 * - `x-goog-api-key` equal to the mock's key, and no `key=` in the URL;
 * - content-type application/json; body with non-empty `contents`, roles "user"/"model" only,
 *   alternating and starting with user; every part non-empty with one data field; function
 *   responses named, with an object `response`, as many as the calls of the model turn before;
 *   at most 5 stop sequences; tool schemas without JSON Schema-only keywords.
 *
 * Answers (behaviours are consumed in order, then `setDefault`'s, initially `{ kind: 'ok' }`):
 * - `ok`: optional thought part (with `thoughtSignature`), `text` split in `chunks` pieces
 *   (default "Hello from Gemini." in 3), `functionCalls` (the first carries `callSignature`
 *   when set; in one event, or one event each with `callsInSeparateEvents`), `usage`
 *   (usageMetadata: prompt, candidates, thoughts, cached; totals computed), `finishReason`
 *   (default STOP), `blockReason` (a blocked prompt: no candidates). Streams use Gemini's
 *   "\r\n\r\n" separators, the usage on every event and the finishReason on the last.
 * - `error`: status, body (default: Google's shape for the status) and headers.
 * - `stream-error`: a stream that sends `afterEvents` events, then an in-band error event.
 */

export const MOCK_GEMINI_KEY = 'AIzaMockGeminiKey000000000000000000000';

export interface RecordedGeminiRequest {
	method: string;
	/** Path and query as received. */
	path: string;
	/** Lower-cased names. */
	headers: Record<string, string>;
	body: unknown;
	model: string;
	stream: boolean;
	/** Why the mock refused the request (400/403), when it did. */
	problem?: string;
}

export interface GeminiUsage {
	prompt: number;
	candidates: number;
	thoughts?: number;
	cached?: number;
}

export type GeminiBehaviour =
	| {
			kind: 'ok';
			text?: string;
			thought?: string;
			thoughtSignature?: string;
			functionCalls?: Array<{ name: string; args?: Record<string, unknown> }>;
			callSignature?: string;
			callsInSeparateEvents?: boolean;
			usage?: GeminiUsage;
			finishReason?: string;
			blockReason?: string;
			chunks?: number;
			chunkDelayMs?: number;
	  }
	| { kind: 'error'; status: number; body?: unknown; headers?: Record<string, string> }
	| { kind: 'stream-error'; afterEvents: number; status?: string; code?: number; message?: string };

export interface MockGemini {
	/** e.g. "http://127.0.0.1:41234": use as the channel's base URL. */
	url: string;
	port: number;
	key: string;
	requests: RecordedGeminiRequest[];
	enqueue(...behaviours: GeminiBehaviour[]): void;
	setDefault(behaviour: GeminiBehaviour): void;
	/** Clears requests and queue; the default goes back to `{ kind: 'ok' }`. */
	reset(): void;
	close(): Promise<void>;
}

/** Google's error body: `{"error":{"code","message","status","details"}}`. */
export function googleErrorBody(code: number, status: string, message: string, details: unknown[] = []): unknown {
	return { error: { code, message, status, ...(details.length > 0 ? { details } : {}) } };
}

/** 429 RESOURCE_EXHAUSTED with RetryInfo.retryDelay. */
export function rateLimited(retryDelaySeconds = 23): GeminiBehaviour {
	return {
		kind: 'error',
		status: 429,
		body: googleErrorBody(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota, please check your plan and billing details.', [
			{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retryDelaySeconds}s` }
		])
	};
}

/** 503 UNAVAILABLE, "The model is overloaded". */
export function overloaded(): GeminiBehaviour {
	return { kind: 'error', status: 503, body: googleErrorBody(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.') };
}

export async function startMockGemini(options: { key?: string } = {}): Promise<MockGemini> {
	const mock = new GeminiServer(options.key ?? MOCK_GEMINI_KEY);
	await mock.listen();
	return mock;
}

const STATUS_NAMES: Record<number, string> = { 400: 'INVALID_ARGUMENT', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED' };
const PATH = /^\/v1beta\/models\/([^/:?]+):(generateContent|streamGenerateContent)(\?.*)?$/;
const PART_FIELDS = ['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse', 'executableCode', 'codeExecutionResult'];
const JSON_SCHEMA_ONLY = new Set(['additionalProperties', '$ref', '$defs', '$schema', 'definitions', 'const', 'oneOf', 'allOf', 'patternProperties', 'propertyNames']);

class GeminiServer implements MockGemini {
	url = '';
	port = 0;
	readonly requests: RecordedGeminiRequest[] = [];
	#queue: GeminiBehaviour[] = [];
	#default: GeminiBehaviour = { kind: 'ok' };
	readonly #sockets = new Set<Socket>();
	readonly #server: Server;

	constructor(readonly key: string) {
		this.#server = createServer((req, res) => void this.#handle(req, res).catch(() => res.destroy()));
		this.#server.on('connection', (socket: Socket) => {
			this.#sockets.add(socket);
			socket.on('close', () => this.#sockets.delete(socket));
		});
	}

	async listen(): Promise<void> {
		await new Promise<void>((resolve, reject) => {
			this.#server.once('error', reject);
			this.#server.listen(0, '127.0.0.1', () => resolve());
		});
		const address = this.#server.address();
		if (!address || typeof address === 'string') throw new Error('mock gemini has no TCP address');
		this.port = address.port;
		this.url = `http://127.0.0.1:${address.port}`;
	}

	enqueue(...behaviours: GeminiBehaviour[]): void {
		this.#queue.push(...behaviours);
	}

	setDefault(behaviour: GeminiBehaviour): void {
		this.#default = behaviour;
	}

	reset(): void {
		this.requests.length = 0;
		this.#queue = [];
		this.#default = { kind: 'ok' };
	}

	async close(): Promise<void> {
		const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
		this.#server.closeAllConnections();
		for (const socket of this.#sockets) socket.destroy();
		await closed;
	}

	async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const raw = await readBody(req);
		const headers: Record<string, string> = {};
		for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
		const path = req.url ?? '';
		const match = PATH.exec(path);
		let body: unknown = raw;
		try {
			body = JSON.parse(raw);
		} catch {
			// kept as text; refused below
		}
		const recorded: RecordedGeminiRequest = { method: req.method ?? '', path, headers, body, model: match?.[1] ?? '', stream: match?.[2] === 'streamGenerateContent' };
		this.requests.push(recorded);

		const refuse = (status: number, problem: string) => {
			recorded.problem = problem;
			sendJson(res, status, googleErrorBody(status, STATUS_NAMES[status] ?? 'INVALID_ARGUMENT', problem));
		};
		if (req.method !== 'POST') return refuse(400, `Method ${req.method} is not allowed (mock).`);
		if (!match) return refuse(404, `Unknown path ${path} (mock expects /v1beta/models/{model}:generateContent or :streamGenerateContent?alt=sse).`);
		const query = new URLSearchParams(match[3]?.slice(1) ?? '');
		if (query.has('key')) return refuse(400, 'The API key must be sent in x-goog-api-key, not in the URL (mock).');
		if (recorded.stream && query.get('alt') !== 'sse') return refuse(400, 'Streaming requests must use ?alt=sse (mock).');
		if (!headers['x-goog-api-key']) return refuse(403, "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.");
		if (headers['x-goog-api-key'] !== this.key) {
			recorded.problem = 'API key not valid';
			return sendJson(res, 400, googleErrorBody(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
				{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }
			]));
		}
		if (!(headers['content-type'] ?? '').startsWith('application/json')) return refuse(400, 'content-type must be application/json (mock).');
		const problem = validateBody(body);
		if (problem) return refuse(400, problem);

		const behaviour = this.#queue.shift() ?? this.#default;
		if (behaviour.kind === 'error') {
			const status = behaviour.status;
			const errorBody = behaviour.body ?? googleErrorBody(status, STATUS_NAMES[status] ?? 'UNKNOWN', `Mock error ${status}.`);
			return sendJson(res, status, errorBody, behaviour.headers);
		}
		const model = recorded.model;
		if (behaviour.kind === 'stream-error') {
			const events = answerEvents({ kind: 'ok' }, model).slice(0, behaviour.afterEvents);
			const error = googleErrorBody(behaviour.code ?? 503, behaviour.status ?? 'UNAVAILABLE', behaviour.message ?? 'The model is overloaded. Please try again later.');
			return sendStream(res, [...events, error], 0);
		}
		if (!recorded.stream) return sendJson(res, 200, wholeAnswer(behaviour, model));
		return sendStream(res, answerEvents(behaviour, model), behaviour.chunkDelayMs ?? 0);
	}
}

type OkBehaviour = Extract<GeminiBehaviour, { kind: 'ok' }>;
type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** What Gemini would refuse with 400 INVALID_ARGUMENT, in its words where known; undefined when fine. */
function validateBody(body: unknown): string | undefined {
	if (!isObject(body)) return 'Invalid JSON payload received.';
	const contents = body.contents;
	if (!Array.isArray(contents) || contents.length === 0) return '* GenerateContentRequest.contents: contents is not specified';
	let previousRole = '';
	let pendingCalls = 0;
	for (const [i, content] of contents.entries()) {
		if (!isObject(content)) return `contents[${i}] is not an object`;
		const role = content.role;
		if (role !== 'user' && role !== 'model') return `Please use a valid role: user, model. (contents[${i}].role = ${JSON.stringify(role)})`;
		if (i === 0 && role !== 'user') return 'Please ensure that multiturn requests start with a user turn.';
		if (role === previousRole) return 'Please ensure that multiturn requests alternate between user and model.';
		previousRole = role;
		const parts = content.parts;
		if (!Array.isArray(parts) || parts.length === 0) return `* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.`;
		let calls = 0;
		let responses = 0;
		for (const [j, part] of parts.entries()) {
			if (!isObject(part)) return `contents[${i}].parts[${j}] is not an object`;
			const fields = PART_FIELDS.filter((f) => f in part);
			if (fields.length !== 1) return `* GenerateContentRequest.contents[${i}].parts[${j}].data: required oneof field 'data' must have one initialized field`;
			if (typeof part.text === 'string' && part.text === '') return `* GenerateContentRequest.contents[${i}].parts[${j}].data: required oneof field 'data' must have one initialized field`;
			if ('functionCall' in part) {
				if (role !== 'model') return `contents[${i}].parts[${j}]: function calls must come from the model`;
				calls++;
			}
			if ('functionResponse' in part) {
				const fr = part.functionResponse;
				if (!isObject(fr) || typeof fr.name !== 'string' || !fr.name) return `* GenerateContentRequest.contents[${i}].parts[${j}].function_response.name: Name cannot be empty.`;
				if (!isObject(fr.response)) return `contents[${i}].parts[${j}].function_response.response must be an object`;
				responses++;
			}
		}
		if (role === 'user' && pendingCalls > 0 && responses !== pendingCalls) {
			return 'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.';
		}
		pendingCalls = role === 'model' ? calls : 0;
	}
	if (body.systemInstruction !== undefined) {
		if (!isObject(body.systemInstruction) || !Array.isArray(body.systemInstruction.parts)) return 'systemInstruction must have parts';
	}
	const config = isObject(body.generationConfig) ? body.generationConfig : {};
	if (Array.isArray(config.stopSequences) && config.stopSequences.length > 5) return 'stopSequences: at most 5 stop sequences are allowed';
	for (const [t, tool] of (Array.isArray(body.tools) ? body.tools : []).entries()) {
		for (const [d, decl] of (isObject(tool) && Array.isArray(tool.functionDeclarations) ? tool.functionDeclarations : []).entries()) {
			const bad = isObject(decl) ? schemaProblem(decl.parameters) : 'not an object';
			if (bad) return `Invalid JSON payload received. Unknown name "${bad}" at 'tools[${t}].function_declarations[${d}].parameters': Cannot find field.`;
		}
	}
	if (isObject(config.responseSchema)) {
		const bad = schemaProblem(config.responseSchema);
		if (bad) return `Invalid JSON payload received. Unknown name "${bad}" at 'generation_config.response_schema': Cannot find field.`;
	}
	return undefined;
}

/** The first JSON Schema-only keyword in a schema (Gemini's OpenAPI subset refuses them). */
function schemaProblem(schema: unknown): string | undefined {
	if (Array.isArray(schema)) {
		for (const item of schema) {
			const bad = schemaProblem(item);
			if (bad) return bad;
		}
		return undefined;
	}
	if (!isObject(schema)) return undefined;
	for (const [key, value] of Object.entries(schema)) {
		if (JSON_SCHEMA_ONLY.has(key)) return key;
		if (key === 'properties' && isObject(value)) {
			for (const sub of Object.values(value)) {
				const bad = schemaProblem(sub);
				if (bad) return bad;
			}
		} else if (key !== 'enum' && key !== 'required') {
			const bad = schemaProblem(value);
			if (bad) return bad;
		}
	}
	return undefined;
}

const DEFAULT_TEXT = 'Hello from Gemini.';

function usageMetadata(usage: GeminiUsage, final: boolean): Json {
	const meta: Json = { promptTokenCount: usage.prompt };
	if (final) {
		meta.candidatesTokenCount = usage.candidates;
		if (usage.thoughts) meta.thoughtsTokenCount = usage.thoughts;
	}
	if (usage.cached) meta.cachedContentTokenCount = usage.cached;
	meta.totalTokenCount = usage.prompt + (final ? usage.candidates + (usage.thoughts ?? 0) : 0);
	return meta;
}

/** The parts of an answer, grouped by the event they are sent in. */
function partGroups(behaviour: OkBehaviour): Json[][] {
	const groups: Json[][] = [];
	if (behaviour.thought) groups.push([{ text: behaviour.thought, thought: true, ...(behaviour.thoughtSignature ? { thoughtSignature: behaviour.thoughtSignature } : {}) }]);
	const calls = behaviour.functionCalls ?? [];
	const text = behaviour.text ?? (calls.length > 0 ? '' : DEFAULT_TEXT);
	for (const piece of splitEvenly(text, Math.max(1, behaviour.chunks ?? 3))) if (piece) groups.push([{ text: piece }]);
	const callParts = calls.map((call, k) => ({
		functionCall: { name: call.name, ...(call.args ? { args: call.args } : {}) },
		...(k === 0 && behaviour.callSignature ? { thoughtSignature: behaviour.callSignature } : {})
	}));
	if (behaviour.callsInSeparateEvents) for (const part of callParts) groups.push([part]);
	else if (callParts.length > 0) groups.push(callParts);
	return groups;
}

function defaultUsage(behaviour: OkBehaviour): GeminiUsage {
	return behaviour.usage ?? { prompt: 11, candidates: 5 };
}

function wholeAnswer(behaviour: OkBehaviour, model: string): Json {
	const responseId = randomBytes(9).toString('base64url');
	const usage = usageMetadata(defaultUsage(behaviour), true);
	if (behaviour.blockReason) return { promptFeedback: { blockReason: behaviour.blockReason }, usageMetadata: usage, modelVersion: model, responseId };
	const parts = partGroups(behaviour).flat();
	// A non-stream answer has the text in one part, as Gemini sends it.
	const merged: Json[] = [];
	for (const part of parts) {
		const last = merged.at(-1);
		if (last && typeof last.text === 'string' && typeof part.text === 'string' && !last.thought && !part.thought) last.text += part.text;
		else merged.push({ ...part });
	}
	return {
		candidates: [{ content: { role: 'model', parts: merged }, finishReason: behaviour.finishReason ?? 'STOP', index: 0 }],
		usageMetadata: usage,
		modelVersion: model,
		responseId
	};
}

function answerEvents(behaviour: OkBehaviour, model: string): Json[] {
	const responseId = randomBytes(9).toString('base64url');
	const usage = defaultUsage(behaviour);
	if (behaviour.blockReason) return [{ promptFeedback: { blockReason: behaviour.blockReason }, usageMetadata: usageMetadata(usage, true), modelVersion: model, responseId }];
	const groups = partGroups(behaviour);
	if (groups.length === 0) groups.push([{ text: '' }]);
	return groups.map((parts, i) => {
		const last = i === groups.length - 1;
		return {
			candidates: [{ content: { role: 'model', parts }, ...(last ? { finishReason: behaviour.finishReason ?? 'STOP' } : {}), index: 0 }],
			usageMetadata: usageMetadata(usage, last),
			modelVersion: model,
			responseId
		};
	});
}

function splitEvenly(text: string, parts: number): string[] {
	const chars = Array.from(text);
	const pieces: string[] = [];
	for (let i = 0; i < parts; i++) pieces.push(chars.slice(Math.floor((i * chars.length) / parts), Math.floor(((i + 1) * chars.length) / parts)).join(''));
	return pieces;
}

function readBody(req: IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		req.on('error', reject);
	});
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
	const text = JSON.stringify(body);
	res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': String(Buffer.byteLength(text)), ...headers });
	res.end(text);
}

async function sendStream(res: ServerResponse, events: unknown[], delayMs: number): Promise<void> {
	res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
	for (const [i, event] of events.entries()) {
		if (i > 0 && delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
		if (res.destroyed) return;
		res.write(`data: ${JSON.stringify(event)}\r\n\r\n`);
	}
	res.end();
}
