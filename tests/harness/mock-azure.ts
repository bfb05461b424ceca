import type { ServerResponse } from 'node:http';
import { isRecord, Script, sendJson, sendSse, splitEvenly, startHttpMock, type RecordedRequest } from './mock-http';

/**
 * A stand-in for an Azure OpenAI resource, started in the test process.
 *
 *   const azure = await startMockAzure({ apiKey: 'k', deployments: ['prod-4o', 'o3-mini'] });
 *   // channel: type 'azure', baseUrl azure.url, key 'k', config { apiVersion: '2024-10-21' }
 *   azure.enqueue(azureErrors.rateLimited(6), { kind: 'ok', content: 'Hi' });
 *   ... azure.requests[0].path === '/openai/deployments/prod-4o/chat/completions?api-version=2024-10-21'
 *   await azure.close();
 *
 * It serves POST /openai/deployments/{deployment}/{chat/completions|completions|embeddings}
 * ?api-version=YYYY-MM-DD[-preview] and POST /openai/v1/{same} (deployment = body.model), and
 * VALIDATES like Azure does, answering in Azure's error shape:
 * - 404 {"error":{"code":"404","message":"Resource not found"}} for any other path or method;
 * - 401 unless the `api-key` header equals `apiKey` (or, with `bearerToken` set,
 *   `Authorization: Bearer <bearerToken>`);
 * - 404 "Resource not found" for a missing or malformed api-version on the deployment path (as
 *   Azure does), 400 for an api-version other than v1/preview/latest on the v1 path;
 * - 400 for a body that is not a JSON object, chat without a non-empty `messages` array of
 *   {role, content}, v1 without `model`;
 * - 404 DeploymentNotFound when `deployments` is given and the deployment is not in it;
 * - 400 "Unrecognized request argument supplied: X" for fields the dated api-version does not
 *   know (stream_options before 2024-09-01; store/metadata/reasoning_effort and the developer
 *   role before 2024-12-01; prediction/modalities/audio before 2025-01-01; service_tier,
 *   web_search_options, prompt_cache_key, top_k on any dated version);
 * - for reasoning deployments (`reasoningDeployments`, default: names starting o1/o3/o4…/gpt-5)
 *   400 unsupported_parameter for max_tokens, temperature ≠ 1, top_p, penalties, logprobs.
 *
 * Answers (the `ok` behaviour, the default): a chat.completion whose `model` is the underlying
 * model version (`model`, default "gpt-4o-2024-08-06" — never the deployment), with
 * prompt_filter_results and per-choice content_filter_results; streams start with Azure's
 * filter-only chunk (`choices: []`, id "", created 0), then role, content in `chunks` pieces,
 * tool-call fragments, the finish chunk (`finishReason`, default stop / tool_calls), the usage
 * chunk only when stream_options.include_usage is true, then [DONE]. `asyncFilter: true` adds
 * annotation chunks without `delta` after each content piece. Usage defaults to
 * { prompt_tokens: 11, completion_tokens: <pieces> }, with optional cached/reasoning details.
 * `{ kind: 'error', status, body?, headers? }` answers as given; `azureErrors` has the usual
 * ones (429 with retry-after, the 400 content filter, DeploymentNotFound, 503).
 */

export interface AzureUsage {
	prompt_tokens: number;
	completion_tokens: number;
	cached_tokens?: number;
	reasoning_tokens?: number;
}

export type AzureBehaviour =
	| {
			kind: 'ok';
			content?: string;
			toolCalls?: Array<{ id: string; name: string; arguments: string }>;
			usage?: AzureUsage | null;
			model?: string;
			chunks?: number;
			finishReason?: 'stop' | 'length' | 'content_filter' | 'tool_calls';
			asyncFilter?: boolean;
			chunkDelayMs?: number;
	  }
	| { kind: 'error'; status: number; body?: unknown; headers?: Record<string, string> };

export type AzureError = Extract<AzureBehaviour, { kind: 'error' }>;

export const azureErrors = {
	rateLimited: (seconds = 6): AzureError => ({
		kind: 'error',
		status: 429,
		headers: { 'retry-after': String(seconds), 'retry-after-ms': String(seconds * 1000), 'x-ms-retry-after-ms': String(seconds * 1000) },
		body: {
			error: {
				code: '429',
				message: `Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after ${seconds} seconds.`
			}
		}
	}),
	contentFilter: (): AzureError => ({
		kind: 'error',
		status: 400,
		body: {
			error: {
				message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.",
				type: null,
				param: 'prompt',
				code: 'content_filter',
				status: 400,
				innererror: {
					code: 'ResponsibleAIPolicyViolation',
					content_filter_result: {
						hate: { filtered: true, severity: 'high' },
						jailbreak: { filtered: false, detected: false },
						self_harm: { filtered: false, severity: 'safe' },
						sexual: { filtered: false, severity: 'safe' },
						violence: { filtered: false, severity: 'safe' }
					}
				}
			}
		}
	}),
	deploymentNotFound: (): AzureError => ({ kind: 'error', status: 404, body: DEPLOYMENT_NOT_FOUND }),
	unavailable: (status = 503): AzureError => ({
		kind: 'error',
		status,
		headers: { 'retry-after': '1' },
		body: { error: { code: String(status), message: 'The service is temporarily unable to process your request. Please try again later.' } }
	})
};

export interface MockAzureOptions {
	/** The key expected in the api-key header (default "azure-mock-key"). */
	apiKey?: string;
	/** When set, `Authorization: Bearer <bearerToken>` is accepted too (Entra ID mode). */
	bearerToken?: string;
	/** Known deployments; when absent every deployment name exists. */
	deployments?: string[];
	/** Deployments served by reasoning models; default: names matching /^(o\d|gpt-5)/. */
	reasoningDeployments?: string[];
}

export interface MockAzure {
	url: string;
	port: number;
	apiKey: string;
	requests: RecordedRequest[];
	/** Behaviours for the next valid requests, in order; then the default (initially { kind: 'ok' }). */
	enqueue(...behaviours: AzureBehaviour[]): void;
	setDefault(behaviour: AzureBehaviour): void;
	/** Clears requests, queue and default. */
	reset(): void;
	close(): Promise<void>;
}

type Endpoint = 'chat' | 'completions' | 'embeddings';

const DEPLOYMENT_NOT_FOUND = {
	error: {
		code: 'DeploymentNotFound',
		message: 'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.'
	}
};
const NOT_FOUND = { error: { code: '404', message: 'Resource not found' } };
const UNAUTHORIZED = {
	error: {
		code: '401',
		message:
			'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.'
	}
};
const ENDPOINTS: Record<string, Endpoint> = { 'chat/completions': 'chat', completions: 'completions', embeddings: 'embeddings' };
const API_VERSION = /^\d{4}-\d{2}-\d{2}(-preview)?$/;
/** Field → first dated version that takes it; null: no dated version does. */
const FIELD_SINCE: Record<string, string | null> = {
	stream_options: '2024-09-01',
	max_completion_tokens: '2024-09-01',
	store: '2024-12-01',
	metadata: '2024-12-01',
	reasoning_effort: '2024-12-01',
	prediction: '2025-01-01',
	modalities: '2025-01-01',
	audio: '2025-01-01',
	service_tier: null,
	web_search_options: null,
	prompt_cache_key: null,
	top_k: null
};
const REASONING_REFUSES = ['temperature', 'top_p', 'presence_penalty', 'frequency_penalty', 'logprobs', 'top_logprobs'];
const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);
const FILTER_OK = {
	hate: { filtered: false, severity: 'safe' },
	self_harm: { filtered: false, severity: 'safe' },
	sexual: { filtered: false, severity: 'safe' },
	violence: { filtered: false, severity: 'safe' }
};

export async function startMockAzure(options: MockAzureOptions = {}): Promise<MockAzure> {
	const apiKey = options.apiKey ?? 'azure-mock-key';
	const script = new Script<AzureBehaviour>({ kind: 'ok' });
	const server = await startHttpMock((request, res) => handle(request, res, { ...options, apiKey }, script));
	return {
		url: server.url,
		port: server.port,
		apiKey,
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

const invalid = (res: ServerResponse, message: string, param: string | null = null, code: string | null = null) =>
	sendJson(res, 400, { error: { message, type: 'invalid_request_error', param, code } });

async function handle(request: RecordedRequest, res: ServerResponse, options: MockAzureOptions & { apiKey: string }, script: Script<AzureBehaviour>): Promise<void> {
	const url = new URL(request.path, 'http://mock');
	const deploymentPath = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|completions|embeddings)$/.exec(url.pathname);
	const v1Path = /^\/openai\/v1\/(chat\/completions|completions|embeddings)$/.exec(url.pathname);
	if (request.method !== 'POST' || (!deploymentPath && !v1Path)) return sendJson(res, 404, NOT_FOUND);

	const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
	const authorized = request.headers['api-key'] === options.apiKey || (options.bearerToken !== undefined && bearer === options.bearerToken);
	if (!authorized) return sendJson(res, 401, UNAUTHORIZED);

	const apiVersion = url.searchParams.get('api-version');
	let date = '9999-12-31';
	if (deploymentPath) {
		if (!apiVersion || !API_VERSION.test(apiVersion)) return sendJson(res, 404, { error: { code: '404', message: 'Resource not found' } });
		date = apiVersion.slice(0, 10);
	} else if (apiVersion !== null && !['v1', 'preview', 'latest'].includes(apiVersion)) {
		return invalid(res, `api-version '${apiVersion}' is not supported on the v1 API`);
	}

	const body = request.body;
	if (!isRecord(body)) return invalid(res, 'The request body must be a JSON object.');
	const endpoint = ENDPOINTS[(deploymentPath?.[2] ?? v1Path?.[1])!]!;
	const deployment = deploymentPath ? decodeURIComponent(deploymentPath[1]!) : body.model;
	if (typeof deployment !== 'string' || !deployment) return invalid(res, "Missing required parameter: 'model'.", 'model', 'missing_required_parameter');
	if (options.deployments && !options.deployments.includes(deployment)) return sendJson(res, 404, DEPLOYMENT_NOT_FOUND);

	const problem = validateBody(endpoint, body, date, isReasoning(deployment, options));
	if (problem) return invalid(res, problem.message, problem.param, problem.code);

	const behaviour = script.next();
	if (behaviour.kind === 'error') {
		return sendJson(res, behaviour.status, behaviour.body ?? { error: { code: String(behaviour.status), message: `Mock Azure failure (${behaviour.status})` } }, behaviour.headers);
	}
	return answer(res, endpoint, body, behaviour);
}

function isReasoning(deployment: string, options: MockAzureOptions): boolean {
	return options.reasoningDeployments ? options.reasoningDeployments.includes(deployment) : /^(o\d|gpt-5)/i.test(deployment);
}

interface Problem {
	message: string;
	param: string | null;
	code: string | null;
}

function validateBody(endpoint: Endpoint, body: Record<string, unknown>, date: string, reasoning: boolean): Problem | undefined {
	for (const [field, since] of Object.entries(FIELD_SINCE)) {
		if (body[field] !== undefined && (since === null ? date !== '9999-12-31' : date < since)) {
			return { message: `Unrecognized request argument supplied: ${field}`, param: null, code: null };
		}
	}
	if (endpoint === 'embeddings') return body.input === undefined ? { message: "Missing required parameter: 'input'.", param: 'input', code: null } : undefined;
	if (endpoint === 'completions') return body.prompt === undefined ? { message: "Missing required parameter: 'prompt'.", param: 'prompt', code: null } : undefined;
	const messages = body.messages;
	if (!Array.isArray(messages) || messages.length === 0) return { message: "'messages' must be a non-empty array.", param: 'messages', code: null };
	for (const [i, message] of messages.entries()) {
		if (!isRecord(message) || typeof message.role !== 'string' || !ROLES.has(message.role) || !('content' in message)) {
			return { message: `Invalid value for 'messages[${i}]'.`, param: `messages[${i}]`, code: 'invalid_value' };
		}
		if (message.role === 'developer' && date < '2024-12-01') return { message: "Invalid value: 'developer'. Supported values are: 'system', 'assistant', 'user', 'function', and 'tool'.", param: `messages[${i}].role`, code: 'invalid_value' };
	}
	if (reasoning) {
		if (body.max_tokens !== undefined) {
			return { message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", param: 'max_tokens', code: 'unsupported_parameter' };
		}
		for (const field of REASONING_REFUSES) {
			if (body[field] !== undefined && !(field === 'temperature' && body[field] === 1)) {
				return { message: `Unsupported parameter: '${field}' is not supported with this model.`, param: field, code: 'unsupported_parameter' };
			}
		}
	}
	return undefined;
}

function answer(res: ServerResponse, endpoint: Endpoint, body: Record<string, unknown>, b: Extract<AzureBehaviour, { kind: 'ok' }>): Promise<void> | void {
	const model = b.model ?? (endpoint === 'embeddings' ? 'text-embedding-3-small' : 'gpt-4o-2024-08-06');
	const toolCalls = b.toolCalls ?? [];
	const content = b.content ?? (toolCalls.length ? null : 'Hello from Azure.');
	const pieces = splitEvenly(content ?? '', b.chunks ?? 4);
	const usage = b.usage === null ? null : usageOf(b.usage ?? { prompt_tokens: 11, completion_tokens: Math.max(1, pieces.length) });
	const finish = b.finishReason ?? (toolCalls.length ? 'tool_calls' : 'stop');
	const created = Math.floor(Date.now() / 1000);
	const id = `chatcmpl-az${Math.random().toString(36).slice(2, 12)}`;
	const promptFilter = [{ prompt_index: 0, content_filter_results: { ...FILTER_OK, jailbreak: { filtered: false, detected: false } } }];

	if (endpoint === 'embeddings') {
		const inputs = Array.isArray(body.input) ? body.input : [body.input];
		return sendJson(res, 200, {
			data: inputs.map((_, index) => ({ embedding: [0.25, -0.5, 0.125, index / 8], index, object: 'embedding' })),
			model,
			object: 'list',
			...(usage ? { usage: { prompt_tokens: usage.prompt_tokens, total_tokens: usage.prompt_tokens } } : {})
		});
	}
	if (endpoint === 'completions') {
		return sendJson(res, 200, {
			choices: [{ content_filter_results: FILTER_OK, finish_reason: finish, index: 0, logprobs: null, text: content ?? '' }],
			created,
			id: id.replace('chatcmpl', 'cmpl'),
			model,
			object: 'text_completion',
			prompt_filter_results: promptFilter,
			...(usage ? { usage } : {})
		});
	}

	const calls = toolCalls.map((c) => ({ function: { arguments: c.arguments, name: c.name }, id: c.id, type: 'function' }));
	if (body.stream !== true) {
		return sendJson(res, 200, {
			choices: [
				{
					content_filter_results: FILTER_OK,
					finish_reason: finish,
					index: 0,
					logprobs: null,
					message: { content, refusal: null, role: 'assistant', ...(calls.length ? { tool_calls: calls } : {}) }
				}
			],
			created,
			id,
			model,
			object: 'chat.completion',
			prompt_filter_results: promptFilter,
			system_fingerprint: 'fp_mock',
			...(usage ? { usage } : {})
		});
	}

	const includeUsage = isRecord(body.stream_options) && body.stream_options.include_usage === true;
	const base = { created, id, model, object: 'chat.completion.chunk', system_fingerprint: 'fp_mock' };
	const chunk = (delta: Record<string, unknown>, finishReason: string | null = null, filter: unknown = FILTER_OK) => ({
		choices: [{ content_filter_results: filter, delta, finish_reason: finishReason, index: 0, logprobs: null }],
		...base,
		...(includeUsage ? { usage: null } : {})
	});
	const annotation = (start: number, end: number) => ({
		choices: [{ content_filter_offsets: { check_offset: start, start_offset: start, end_offset: end }, content_filter_results: FILTER_OK, finish_reason: null, index: 0 }],
		created: 0,
		id: '',
		model: '',
		object: ''
	});
	const events: unknown[] = [{ choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: promptFilter }];
	events.push(chunk({ content: '', refusal: null, role: 'assistant' }, null, {}));
	let offset = 0;
	for (const piece of pieces) {
		events.push(chunk({ content: piece }));
		if (b.asyncFilter) events.push(annotation(offset, (offset += piece.length)));
	}
	toolCalls.forEach((c, index) => {
		events.push(chunk({ tool_calls: [{ function: { arguments: '', name: c.name }, id: c.id, index, type: 'function' }] }, null, {}));
		for (const part of splitEvenly(c.arguments, 2)) events.push(chunk({ tool_calls: [{ function: { arguments: part }, index }] }, null, {}));
	});
	events.push(chunk({}, finish, finish === 'content_filter' ? { ...FILTER_OK, violence: { filtered: true, severity: 'high' } } : {}));
	if (includeUsage && usage) events.push({ choices: [], ...base, usage });
	events.push('[DONE]');
	return sendSse(res, events, b.chunkDelayMs);
}

function usageOf(u: AzureUsage) {
	return {
		completion_tokens: u.completion_tokens,
		completion_tokens_details: { accepted_prediction_tokens: 0, audio_tokens: 0, reasoning_tokens: u.reasoning_tokens ?? 0, rejected_prediction_tokens: 0 },
		prompt_tokens: u.prompt_tokens,
		prompt_tokens_details: { audio_tokens: 0, cached_tokens: u.cached_tokens ?? 0 },
		total_tokens: u.prompt_tokens + u.completion_tokens
	};
}
