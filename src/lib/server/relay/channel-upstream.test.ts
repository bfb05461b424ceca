import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { balanceSteps } from '../providers/balance';
import { modelListerFor, type ModelLister } from '../providers/model-list';
import { readUpstreamBalance, readUpstreamModels, UpstreamReadError, upstreamErrorMessage } from './channel-upstream';

// A tiny upstream in this process: Anthropic-style pages, a slow route, a redirect, DeepSeek's balance.
let server: ReturnType<typeof Bun.serve>;
let base: string;
const seen: string[] = [];

beforeAll(() => {
	server = Bun.serve({
		port: 0,
		hostname: '127.0.0.1',
		async fetch(req) {
			const url = new URL(req.url);
			seen.push(`${url.pathname}${url.search} ${req.headers.get('x-api-key') ?? req.headers.get('authorization') ?? ''}`);
			if (url.pathname === '/v1/models') {
				const after = url.searchParams.get('after_id');
				if (!after) return Response.json({ data: [{ id: 'b-model' }, { id: 'a-model' }], has_more: true, last_id: 'a-model' });
				if (after === 'a-model') return Response.json({ data: [{ id: 'c-model' }, { id: 'a-model' }], has_more: false, last_id: 'c-model' });
			}
			if (url.pathname === '/loop/v1/models') return Response.json({ data: [{ id: 'x' }], has_more: true, last_id: 'x' });
			if (url.pathname === '/slow/v1/models') {
				await Bun.sleep(2000);
				return Response.json({ data: [] });
			}
			if (url.pathname === '/moved/v1/models') return new Response(null, { status: 302, headers: { location: 'https://elsewhere.example/' } });
			if (url.pathname === '/bad/v1/models') return Response.json({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }, { status: 401 });
			if (url.pathname === '/user/balance') return Response.json({ is_available: true, balance_infos: [{ currency: 'USD', total_balance: '12.34' }] });
			return new Response('not found', { status: 404 });
		}
	});
	base = `http://127.0.0.1:${server.port}`;
});

afterAll(() => server?.stop(true));

function anthropic(prefix = ''): ModelLister {
	const l = modelListerFor('anthropic', { baseUrl: `${base}${prefix}/v1`, config: {} }, 'sk-ant');
	if ('unsupported' in l) throw new Error('unsupported');
	return l;
}

async function problemOf(run: Promise<unknown>) {
	const err = await run.then(
		() => undefined,
		(e: unknown) => e
	);
	expect(err).toBeInstanceOf(UpstreamReadError);
	return (err as UpstreamReadError).problem;
}

describe('reading an upstream model list', () => {
	test('follows the pages, sorts and drops repeats', async () => {
		seen.length = 0;
		expect(await readUpstreamModels(anthropic(), 5000)).toEqual(['a-model', 'b-model', 'c-model']);
		expect(seen).toEqual(['/v1/models?limit=1000 sk-ant', '/v1/models?limit=1000&after_id=a-model sk-ant']);
	});

	test('a cursor that repeats ends the listing instead of looping', async () => {
		expect(await readUpstreamModels(anthropic('/loop'), 5000)).toEqual(['x']);
	});

	test('an HTTP error carries the status and the upstream words; redirects are not followed; time is bounded', async () => {
		expect(await problemOf(readUpstreamModels(anthropic('/bad'), 5000))).toEqual({ kind: 'http', status: 401, message: 'invalid x-api-key' });
		expect(await problemOf(readUpstreamModels(anthropic('/moved'), 5000))).toMatchObject({ kind: 'http', status: 302 });
		expect(await problemOf(readUpstreamModels(anthropic('/slow'), 200))).toEqual({ kind: 'timeout', seconds: 1 });
		expect(await problemOf(readUpstreamModels(anthropic('/nowhere'), 5000))).toMatchObject({ kind: 'http', status: 404 });
	});

	test('a closed port is unreachable', async () => {
		const closed = modelListerFor('openai', { baseUrl: 'http://127.0.0.1:1/v1', config: {} }, 'k');
		if ('unsupported' in closed) throw new Error('unsupported');
		expect(await problemOf(readUpstreamModels(closed, 5000))).toEqual({ kind: 'unreachable' });
	});
});

describe('reading a balance', () => {
	test('DeepSeek at the root of a proxied base URL', async () => {
		expect(await readUpstreamBalance(balanceSteps('deepseek', `${base}/v1`, 'sk-d'), 5000)).toEqual({ amount: '12.34', currency: 'USD' });
	});
});

test('upstream error bodies are read in the common shapes', () => {
	expect(upstreamErrorMessage('{"error": {"message": "Incorrect API key"}}')).toBe('Incorrect API key');
	expect(upstreamErrorMessage('{"success": false, "errors": [{"code": 10000, "message": "Authentication error"}]}')).toBe('Authentication error');
	expect(upstreamErrorMessage('<html><body><h1>502 Bad Gateway</h1></body></html>')).toBe('502 Bad Gateway');
});
