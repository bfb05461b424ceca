/**
 * A deterministic OpenAI chat-completions upstream for the relay benchmark. Every byte it can
 * answer with is built once at start, so the mock costs as little CPU per request as possible
 * and never becomes the bottleneck it is supposed to be measuring around.
 *
 *   MOCK_PORT        port on 127.0.0.1 (default 19080)
 *   MOCK_CHUNKS      content chunks per streamed answer (default 20)
 *   MOCK_LATENCY_MS  delay before answering, to simulate a model thinking (default 0)
 *   MOCK_FLAKY_PORT  if set, a second listener that answers the same way, except that
 *   MOCK_FAIL_PERCENT  of its chat calls (default 0), evenly spread, get an HTTP 500
 */

// A module, not a global script: its names stay its own when type-checked with the others.
export {};

const port = intFromEnv('MOCK_PORT', 19080);
const chunkCount = intFromEnv('MOCK_CHUNKS', 20);
const latencyMs = intFromEnv('MOCK_LATENCY_MS', 0);
const flakyPort = intFromEnv('MOCK_FLAKY_PORT', 0);
const failPercent = intFromEnv('MOCK_FAIL_PERCENT', 0);
if (failPercent > 100) throw new Error('MOCK_FAIL_PERCENT is a percentage (0-100)');

function intFromEnv(name: string, fallback: number): number {
	const raw = process.env[name];
	if (raw === undefined || raw === '') return fallback;
	const value = Number(raw);
	if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
	return value;
}

const ID = 'chatcmpl-bench0000000000000000';
const CREATED = 1_700_000_000;
const MODEL = 'gpt-4o-mini';
const PROMPT_TOKENS = 12;
const encoder = new TextEncoder();

const usage = { prompt_tokens: PROMPT_TOKENS, completion_tokens: chunkCount, total_tokens: PROMPT_TOKENS + chunkCount };

function completionBody(): Uint8Array<ArrayBuffer> {
	const content = Array.from({ length: chunkCount }, (_, i) => word(i)).join('');
	return encoder.encode(
		JSON.stringify({
			id: ID,
			object: 'chat.completion',
			created: CREATED,
			model: MODEL,
			choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
			usage,
			system_fingerprint: null
		})
	);
}

/** One token per chunk; the first has no leading space, like a real tokenizer's output. */
function word(i: number): string {
	return i === 0 ? 'w0' : ` w${i}`;
}

function chunk(choices: unknown[], extra: Record<string, unknown> = {}): Uint8Array<ArrayBuffer> {
	const data = JSON.stringify({ id: ID, object: 'chat.completion.chunk', created: CREATED, model: MODEL, system_fingerprint: null, choices, ...extra });
	return encoder.encode(`data: ${data}\n\n`);
}

const delta = (d: Record<string, unknown>, finish: string | null = null) => [{ index: 0, delta: d, logprobs: null, finish_reason: finish }];

/** The SSE events of one streamed answer, without the optional usage chunk. */
function streamEvents(): Uint8Array<ArrayBuffer>[] {
	return [
		chunk(delta({ role: 'assistant', content: '', refusal: null })),
		...Array.from({ length: chunkCount }, (_, i) => chunk(delta({ content: word(i) }))),
		chunk(delta({}, 'stop'))
	];
}

const COMPLETION = completionBody();
const EVENTS = streamEvents();
const USAGE_EVENT = chunk([], { usage });
const DONE_EVENT = encoder.encode('data: [DONE]\n\n');
const EVENTS_WITH_USAGE = [...EVENTS, USAGE_EVENT, DONE_EVENT];
const EVENTS_WITHOUT_USAGE = [...EVENTS, DONE_EVENT];

// A regex over the raw text is enough to tell the two shapes apart and far cheaper than
// parsing the JSON, which a real upstream would do but is not what we are measuring.
const STREAM_RE = /"stream"\s*:\s*true/;
const USAGE_RE = /"include_usage"\s*:\s*true/;

const JSON_HEADERS = { 'content-type': 'application/json' };
const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };

// Bun accepts `type: 'direct'` sources, but the DOM typings also loaded declare the standard
// constructor first and hide Bun's overload.
type DirectStreamConstructor = new (source: Bun.DirectUnderlyingSource) => ReadableStream<Uint8Array>;
const DirectReadableStream = ReadableStream as unknown as DirectStreamConstructor;

/** Writes and flushes each event on its own, so the relay sees real chunk boundaries. */
function sseResponse(events: Uint8Array[]): Response {
	const body = new DirectReadableStream({
		type: 'direct',
		async pull(controller) {
			for (const event of events) {
				if ((await controller.write(event)) === 0) break; // the client went away
				await controller.flush();
			}
			controller.close();
		}
	});
	return new Response(body, { headers: SSE_HEADERS });
}

const stats = { requests: 0, streams: 0, nonStreams: 0, failed: 0, flakyRequests: 0, notFound: 0, startedAt: new Date().toISOString() };

const FAILURE = encoder.encode(JSON.stringify({ error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } }));

/** Exactly `failPercent` of every 100 calls fail, spread out (never two in a row below 50%). */
function failsNext(): boolean {
	const n = stats.flakyRequests++;
	return Math.floor(((n + 1) * failPercent) / 100) > Math.floor((n * failPercent) / 100);
}

async function chatCompletions(req: Request, flaky: boolean): Promise<Response> {
	const text = await req.text();
	stats.requests++;
	if (flaky && failsNext()) {
		stats.failed++;
		return new Response(FAILURE, { status: 500, headers: JSON_HEADERS });
	}
	if (latencyMs > 0) await Bun.sleep(latencyMs);
	if (STREAM_RE.test(text)) {
		stats.streams++;
		return sseResponse(USAGE_RE.test(text) ? EVENTS_WITH_USAGE : EVENTS_WITHOUT_USAGE);
	}
	stats.nonStreams++;
	return new Response(COMPLETION, { headers: JSON_HEADERS });
}

function listen(on: number, flaky: boolean) {
	return Bun.serve({
		hostname: '127.0.0.1',
		port: on,
		// Long enough that wrk's keep-alive connections survive the pauses between cases.
		idleTimeout: 120,
		fetch(req) {
			const path = req.url.slice(req.url.indexOf('/', 8));
			if (req.method === 'POST' && path === '/v1/chat/completions') return chatCompletions(req, flaky);
			if (req.method === 'GET' && path === '/health') return new Response('ok');
			if (req.method === 'GET' && path === '/stats') return Response.json(stats);
			stats.notFound++;
			return Response.json({ error: { message: `no route for ${req.method} ${path}`, type: 'invalid_request_error' } }, { status: 404 });
		}
	});
}

const server = listen(port, false);
console.log(`mock upstream on http://127.0.0.1:${server.port} (chunks=${chunkCount}, latency=${latencyMs}ms)`);
if (flakyPort) {
	const flaky = listen(flakyPort, true);
	console.log(`flaky mock upstream on http://127.0.0.1:${flaky.port} (${failPercent}% of calls answer 500)`);
}
