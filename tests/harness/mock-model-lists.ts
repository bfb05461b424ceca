import { sendJson, startHttpMock, type HttpMock } from './mock-http';

/**
 * An upstream for the channel console's reads: model lists in the three documented shapes
 * (OpenAI's one page, Anthropic's `after_id` pages, Gemini's `pageToken` pages), DeepSeek's
 * balance, and a one-line OpenAI chat answer for tests. Paths:
 * - `GET /v1/models`: OpenAI's list of `openai` (Bearer `sk-good…` only, else 401);
 * - `GET /anthropic/v1/models`: `anthropic`, two per page;
 * - `GET /gemini/v1beta/models`: `gemini`, two per page (`models/` prefixed);
 * - `GET /user/balance`: DeepSeek's balance (`balance`);
 * - `POST …/chat/completions`: "pong" (DeepSeek's root has no /v1).
 */
export interface MockModelLists extends HttpMock {
	openai: string[];
	anthropic: string[];
	gemini: string[];
	balance: { currency: string; total: string };
}

export async function startMockModelLists(): Promise<MockModelLists> {
	const state = {
		openai: ['gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small', 'o3-mini', 'gpt-4.1-nano'],
		anthropic: ['claude-sonnet-4-5', 'claude-opus-4-1', 'claude-haiku-4-5'],
		gemini: ['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-embedding-001'],
		balance: { currency: 'USD', total: '42.50' }
	};
	const page = <T>(items: T[], start: number, size: number) => items.slice(start, start + size);
	const mock = await startHttpMock((req, res) => {
		const url = new URL(req.path, 'http://mock');
		const auth = req.headers.authorization ?? req.headers['x-api-key'] ?? req.headers['x-goog-api-key'] ?? '';
		if (!/good/.test(auth)) return sendJson(res, 401, { error: { message: 'Incorrect API key provided (mock)', type: 'invalid_request_error' } });
		if (req.method === 'GET' && url.pathname === '/v1/models') {
			return sendJson(res, 200, { object: 'list', data: state.openai.map((id) => ({ id, object: 'model', owned_by: 'mock' })) });
		}
		if (req.method === 'GET' && url.pathname === '/anthropic/v1/models') {
			const after = url.searchParams.get('after_id');
			const start = after ? state.anthropic.indexOf(after) + 1 : 0;
			const items = page(state.anthropic, start, 2);
			return sendJson(res, 200, {
				data: items.map((id) => ({ type: 'model', id, display_name: id })),
				has_more: start + 2 < state.anthropic.length,
				first_id: items[0] ?? null,
				last_id: items.at(-1) ?? null
			});
		}
		if (req.method === 'GET' && url.pathname === '/gemini/v1beta/models') {
			const start = Number(url.searchParams.get('pageToken') ?? '0');
			const next = start + 2 < state.gemini.length ? String(start + 2) : undefined;
			return sendJson(res, 200, {
				models: page(state.gemini, start, 2).map((id) => ({ name: `models/${id}`, supportedGenerationMethods: [id.includes('embedding') ? 'embedContent' : 'generateContent'] })),
				...(next ? { nextPageToken: next } : {})
			});
		}
		if (req.method === 'GET' && url.pathname === '/user/balance') {
			return sendJson(res, 200, { is_available: true, balance_infos: [{ currency: state.balance.currency, total_balance: state.balance.total, granted_balance: '0.00', topped_up_balance: state.balance.total }] });
		}
		if (req.method === 'POST' && url.pathname.endsWith('/chat/completions')) {
			const model = (req.body as { model?: string }).model ?? 'gpt-4o';
			return sendJson(res, 200, {
				id: 'chatcmpl-mock',
				object: 'chat.completion',
				created: 1,
				model,
				choices: [{ index: 0, message: { role: 'assistant', content: 'pong' }, finish_reason: 'stop' }],
				usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }
			});
		}
		return sendJson(res, 404, { error: { message: 'not found (mock)' } });
	});
	return Object.assign(mock, state);
}
