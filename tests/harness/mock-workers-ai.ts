import type { ServerResponse } from 'node:http';
import { isRecord, Script, sendJson, sendSse, splitEvenly, startHttpMock, type RecordedRequest } from './mock-http';

/**
 * A stand-in for Cloudflare's Workers AI REST API, started in the test process.
 *
 *   const cf = await startMockWorkersAi({ accountId: ACCOUNT, token: 't' });
 *   // channel: type 'workers-ai', baseUrl cf.url, key 't', config { accountId: ACCOUNT, mode: 'native' }
 *   cf.enqueue(workersAiErrors.capacity(), { kind: 'ok', content: 'Hi' });
 *   await cf.close();
 *
 * Routes (all POST, under /client/v4/accounts/{accountId}/ai):
 * - /v1/chat/completions and /v1/embeddings — OpenAI-compatible (model in the body);
 * - /run/{model} with model ids like @cf/meta/llama-3.1-8b-instruct (not URL-encoded) — native.
 *
 * It VALIDATES and answers in Cloudflare's envelope `{success:false, errors:[{code,message}],
 * result:null, messages:[]}`:
 * - 404 code 7000 for an unknown route, 404 code 7003 for another account id;
 * - 401 code 10000 unless `Authorization: Bearer <token>`;
 * - 400 code 5007 for a model outside `models` (when given), 400 code 5004 for a body that is
 *   not a JSON object, missing/empty `messages`, a message without a string role, native
 *   message content that is not a string, a non-positive-integer max_tokens, or OpenAI-only
 *   fields on the native route (model, stream_options, n);
 * - the vision models' own native inputs, as their published schemas give them (a separate
 *   reading from the gateway's, so a wrong conversion shows): Llama 4 Scout, Gemma 3 and
 *   Mistral Small 3.1 also take content arrays of `text` and `image_url` parts whose url is a
 *   base64 data URL (an http URL is refused); Llama 3.2 Vision takes string messages plus an
 *   `image` byte array; LLaVA and UForm take `prompt` plus a required `image` byte array, no
 *   messages and no stream, and answer `{result:{description}}`. Any other model refuses an
 *   `image` field.
 *
 * Answers (the `ok` behaviour, the default; content "Hello from Workers AI."):
 * - compat: OpenAI chat.completion / chunks with Workers' quirks — ids "id-<digits>", `role`
 *   repeated in every delta, the finish in its own chunk, the usage chunk only when
 *   stream_options.include_usage is true;
 * - native non-stream: `{result:{response, tool_calls?, usage}, success:true, errors:[], messages:[]}`
 *   (`toolCallShape` 'legacy' = {name, arguments:<object>}, 'openai' = {id, type, function});
 * - native stream: `data: {"response":"…","p":"<padding>"}` per piece, tool calls as one event
 *   each, then `data: {"response":"","usage":{…}}` and `data: [DONE]`;
 * - `openaiShaped: true` makes the native route answer like the compat one (wrapped in
 *   `result` when not streaming), as newer models do.
 * Usage defaults to { prompt_tokens: 11, completion_tokens: <pieces> }; `usage: null` omits it.
 * `{ kind: 'error', status, code?, message?, headers?, body? }` answers with that envelope (or
 * `body` as given); `workersAiErrors` has the usual ones.
 */

export type WorkersAiBehaviour =
	| {
			kind: 'ok';
			content?: string;
			toolCalls?: Array<{ name: string; arguments: Record<string, unknown> }>;
			toolCallShape?: 'legacy' | 'openai';
			usage?: { prompt_tokens: number; completion_tokens: number } | null;
			chunks?: number;
			openaiShaped?: boolean;
			chunkDelayMs?: number;
	  }
	| { kind: 'error'; status: number; code?: number; message?: string; headers?: Record<string, string>; body?: unknown };

export type WorkersAiError = Extract<WorkersAiBehaviour, { kind: 'error' }>;

export const workersAiErrors = {
	capacity: (): WorkersAiError => ({ kind: 'error', status: 429, code: 3040, message: 'Capacity temporarily exceeded, please try again.' }),
	dailyLimit: (): WorkersAiError => ({
		kind: 'error',
		status: 429,
		code: 3036,
		message: 'Account limited: you have used up your daily free allocation of 10,000 neurons.'
	}),
	noSuchModel: (): WorkersAiError => ({ kind: 'error', status: 400, code: 5007, message: 'No such model or task' }),
	badToken: (): WorkersAiError => ({ kind: 'error', status: 401, code: 10000, message: 'Authentication error' }),
	internal: (status = 500): WorkersAiError => ({ kind: 'error', status, code: 3043, message: 'Internal server error' })
};

export interface MockWorkersAiOptions {
	/** Default "0123456789abcdef0123456789abcdef". */
	accountId?: string;
	/** The API token expected as Bearer (default "cf-mock-token"). */
	token?: string;
	/** Known model ids; when absent every model exists. */
	models?: string[];
}

export interface MockWorkersAi {
	url: string;
	port: number;
	accountId: string;
	token: string;
	requests: RecordedRequest[];
	/** Behaviours for the next valid requests, in order; then the default (initially { kind: 'ok' }). */
	enqueue(...behaviours: WorkersAiBehaviour[]): void;
	setDefault(behaviour: WorkersAiBehaviour): void;
	reset(): void;
	close(): Promise<void>;
}

type Route = { kind: 'chat' | 'embeddings' } | { kind: 'run'; model: string };
type Ok = Extract<WorkersAiBehaviour, { kind: 'ok' }>;

const NATIVE_REFUSES = ['model', 'stream_options', 'n'];

/** Vision models by input shape (https://developers.cloudflare.com/workers-ai/models/). */
const IMAGE_PARTS = new Set(['@cf/meta/llama-4-scout-17b-16e-instruct', '@cf/google/gemma-3-12b-it', '@cf/mistralai/mistral-small-3.1-24b-instruct']);
const IMAGE_FIELD = new Set(['@cf/meta/llama-3.2-11b-vision-instruct']);
const IMAGE_TO_TEXT = new Set(['@cf/llava-hf/llava-1.5-7b-hf', '@cf/unum/uform-gen2-qwen-500m']);

export async function startMockWorkersAi(options: MockWorkersAiOptions = {}): Promise<MockWorkersAi> {
	const accountId = options.accountId ?? '0123456789abcdef0123456789abcdef';
	const token = options.token ?? 'cf-mock-token';
	const script = new Script<WorkersAiBehaviour>({ kind: 'ok' });
	const server = await startHttpMock((request, res) => handle(request, res, { accountId, token, models: options.models }, script));
	return {
		url: server.url,
		port: server.port,
		accountId,
		token,
		requests: server.requests,
		enqueue: (...b) => script.enqueue(...b),
		setDefault: (b) => script.setDefault(b),
		reset() {
			server.requests.length = 0;
			script.reset();
		},
		close: () => server.close()
	};
}

function envelope(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
	sendJson(res, status, { success: false, errors: [{ code, message }], result: null, messages: [] }, headers);
}

async function handle(
	request: RecordedRequest,
	res: ServerResponse,
	options: { accountId: string; token: string; models?: string[] },
	script: Script<WorkersAiBehaviour>
): Promise<void> {
	const path = request.path.split('?')[0] ?? '';
	const match = /^\/client\/v4\/accounts\/([^/]+)\/ai\/(v1\/chat\/completions|v1\/embeddings|run\/(@(?:cf|hf)\/.+))$/.exec(path);
	if (request.method !== 'POST' || !match) return envelope(res, 404, 7000, 'No route for that URI');
	if (match[1] !== options.accountId) return envelope(res, 404, 7003, `Could not route to ${path}, perhaps your object identifier is invalid?`);
	if (request.headers.authorization !== `Bearer ${options.token}`) return envelope(res, 401, 10000, 'Authentication error');
	const route: Route = match[3] ? { kind: 'run', model: match[3] } : { kind: match[2] === 'v1/embeddings' ? 'embeddings' : 'chat' };

	const body = request.body;
	if (!isRecord(body)) return envelope(res, 400, 5004, 'Invalid input: the body must be a JSON object');
	const model = route.kind === 'run' ? route.model : body.model;
	if (typeof model !== 'string' || !model) return envelope(res, 400, 5004, "Missing required property 'model'");
	if (options.models && !options.models.includes(model)) return envelope(res, 400, 5007, `No such model ${model} or task`);
	const problem = validate(route, body);
	if (problem) return envelope(res, 400, 5004, problem);

	const behaviour = script.next();
	if (behaviour.kind === 'error') {
		if (behaviour.body !== undefined) return sendJson(res, behaviour.status, behaviour.body, behaviour.headers);
		return envelope(res, behaviour.status, behaviour.code ?? 3043, behaviour.message ?? `Mock Workers AI failure (${behaviour.status})`, behaviour.headers);
	}
	if (route.kind === 'embeddings') {
		const inputs = Array.isArray(body.input) ? body.input : [body.input];
		return sendJson(res, 200, {
			object: 'list',
			data: inputs.map((_, index) => ({ object: 'embedding', index, embedding: [0.5, -0.25, index / 4] })),
			model,
			usage: { prompt_tokens: 11, total_tokens: 11 }
		});
	}
	if (route.kind === 'run' && IMAGE_TO_TEXT.has(route.model)) return sendJson(res, 200, { result: { description: resolve(behaviour).content }, success: true, errors: [], messages: [] });
	if (route.kind === 'chat' || behaviour.openaiShaped) return compat(res, model, body, behaviour, route.kind === 'run');
	return native(res, body, behaviour);
}

function validate(route: Route, body: Record<string, unknown>): string | undefined {
	if (route.kind === 'embeddings') return body.input === undefined ? "Missing required property 'input'" : undefined;
	if (route.kind === 'run' && IMAGE_TO_TEXT.has(route.model)) return validateImageToText(body);
	if (body.image !== undefined && !(route.kind === 'run' && IMAGE_FIELD.has(route.model))) return "Unexpected property 'image'";
	if (body.image !== undefined && !isByteArray(body.image)) return "Type mismatch of '/image', must be an array of integers from 0 to 255";
	const messages = body.messages;
	if (!Array.isArray(messages) || messages.length === 0) return "Type mismatch of '/messages', 'messages' must be a non-empty array";
	for (const [i, message] of messages.entries()) {
		if (!isRecord(message) || typeof message.role !== 'string') return `Type mismatch of '/messages/${i}/role'`;
		if (route.kind !== 'run' || typeof message.content === 'string') continue;
		if (!IMAGE_PARTS.has(route.model) || !Array.isArray(message.content)) return `Type mismatch of '/messages/${i}/content', 'array' not in 'string'`;
		const problem = imagePartsProblem(message.content, `/messages/${i}/content`);
		if (problem) return problem;
	}
	if (body.max_tokens !== undefined && !(Number.isInteger(body.max_tokens) && (body.max_tokens as number) > 0)) return "Type mismatch of '/max_tokens'";
	if (route.kind === 'run') {
		for (const field of NATIVE_REFUSES) if (body[field] !== undefined) return `Unexpected property '${field}'`;
	}
	return undefined;
}

/** Content parts for the 'image parts' models: text, or an image as a base64 data URL. */
function imagePartsProblem(parts: unknown[], path: string): string | undefined {
	for (const [j, part] of parts.entries()) {
		if (isRecord(part) && part.type === 'text' && typeof part.text === 'string') continue;
		if (!isRecord(part) || part.type !== 'image_url' || !isRecord(part.image_url) || typeof part.image_url.url !== 'string') return `Type mismatch of '${path}/${j}'`;
		if (!/^data:image\/[a-z0-9.+-]+;base64,[A-Za-z0-9+/]+=*$/.test(part.image_url.url)) return `'${path}/${j}/image_url/url': image uri with data (e.g. data:image/jpeg;base64,/9j/...). HTTP URL will not be accepted`;
	}
	return undefined;
}

function validateImageToText(body: Record<string, unknown>): string | undefined {
	if (!isByteArray(body.image)) return "Missing required property 'image' (an array of integers from 0 to 255)";
	if (body.messages !== undefined) return 'Unexpected property \'messages\': this model takes a prompt';
	if (body.prompt !== undefined && typeof body.prompt !== 'string') return "Type mismatch of '/prompt'";
	if (body.stream !== undefined) return "Unexpected property 'stream'";
	return undefined;
}

function isByteArray(value: unknown): boolean {
	return Array.isArray(value) && value.length > 0 && value.every((b) => Number.isInteger(b) && b >= 0 && b <= 255);
}

function resolve(b: Ok) {
	const toolCalls = b.toolCalls ?? [];
	const content = b.content ?? (toolCalls.length ? '' : 'Hello from Workers AI.');
	const pieces = splitEvenly(content, b.chunks ?? 4);
	const usage = b.usage === null ? null : (b.usage ?? { prompt_tokens: 11, completion_tokens: Math.max(1, pieces.length) });
	return { toolCalls, content, pieces, usage: usage && { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } };
}

function compat(res: ServerResponse, model: string, body: Record<string, unknown>, b: Ok, wrapped: boolean): Promise<void> | void {
	const { toolCalls, content, pieces, usage } = resolve(b);
	const id = `id-${Date.now()}${Math.floor(Math.random() * 1000)}`;
	const created = Math.floor(Date.now() / 1000);
	const calls = toolCalls.map((c, index) => ({ id: `chatcmpl-tool-${index}`, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.arguments) } }));
	const finish = calls.length ? 'tool_calls' : 'stop';
	if (body.stream !== true) {
		const completion = {
			id,
			object: 'chat.completion',
			created,
			model,
			choices: [{ index: 0, message: { role: 'assistant', content: content || null, ...(calls.length ? { tool_calls: calls } : {}) }, logprobs: null, finish_reason: finish }],
			...(usage ? { usage } : {})
		};
		return sendJson(res, 200, wrapped ? { result: completion, success: true, errors: [], messages: [] } : completion);
	}
	const includeUsage = isRecord(body.stream_options) && body.stream_options.include_usage === true;
	const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) => ({
		id,
		object: 'chat.completion.chunk',
		created,
		model,
		choices: [{ index: 0, delta: { role: 'assistant', ...delta }, logprobs: null, finish_reason: finishReason }],
		...(includeUsage ? { usage: null } : {})
	});
	const events: unknown[] = pieces.map((piece) => chunk({ content: piece }));
	calls.forEach((call, index) => events.push(chunk({ tool_calls: [{ index, ...call }] })));
	events.push(chunk({ content: '' }, finish));
	if (includeUsage && usage) events.push({ id, object: 'chat.completion.chunk', created, model, choices: [], usage });
	events.push('[DONE]');
	return sendSse(res, events, b.chunkDelayMs);
}

function native(res: ServerResponse, body: Record<string, unknown>, b: Ok): Promise<void> | void {
	const { toolCalls, content, pieces, usage } = resolve(b);
	const calls = toolCalls.map((c, index) =>
		b.toolCallShape === 'openai' ? { id: `chatcmpl-tool-${index}`, type: 'function', function: { name: c.name, arguments: c.arguments } } : { name: c.name, arguments: c.arguments }
	);
	if (body.stream !== true) {
		const result = { response: content, ...(calls.length ? { tool_calls: calls } : {}), ...(usage ? { usage } : {}) };
		return sendJson(res, 200, { result, success: true, errors: [], messages: [] });
	}
	const pad = (n: number) => 'abcdefghijklmnopqrstuvwxyz0123456789'.slice(0, 4 + (n % 30));
	const events: unknown[] = pieces.map((piece, i) => ({ response: piece, p: pad(i * 7) }));
	for (const call of calls) events.push({ response: '', tool_calls: [call], p: pad(3) });
	events.push({ response: '', ...(usage ? { usage } : {}) });
	events.push('[DONE]');
	return sendSse(res, events, b.chunkDelayMs);
}
