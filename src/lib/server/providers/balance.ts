import { deepseekRoot } from './deepseek/request';
import type { ListRequest } from './model-list';

/**
 * A provider account's balance, from the APIs the providers document for it (docs/channels.md,
 * "Provider balance"). Pure: which provider a channel is, the requests to make, and the parsers
 * of their answers; the caller does the I/O.
 */

export type BalanceProvider = 'deepseek' | 'openrouter' | 'siliconflow' | 'moonshot';

export interface Balance {
	/** A decimal string, as exact as the provider gave it. */
	amount: string;
	/** ISO 4217. */
	currency: string;
}

/** The answer is not the one the provider documents. */
export class BalanceShapeError extends Error {
	override name = 'BalanceShapeError';
}

/**
 * One way to read the balance. `fallBack` says a refusal (an HTTP error) of this step sends the
 * caller on to the next one instead of failing.
 */
export interface BalanceStep {
	request: ListRequest;
	/** The balance, or undefined when this answer holds none and the next step should be tried. */
	parse(text: string): Balance | undefined;
	fallBack?: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function json(text: string): Record<string, unknown> {
	let body: unknown;
	try {
		body = JSON.parse(text);
	} catch {
		throw new BalanceShapeError('not JSON');
	}
	if (!isRecord(body)) throw new BalanceShapeError('not an object');
	return body;
}

/** A finite number or numeric string as a decimal string. */
function decimal(value: unknown): string | undefined {
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return value.trim();
	return undefined;
}

function hostOf(baseUrl: string): string {
	try {
		return new URL(baseUrl).hostname.toLowerCase();
	} catch {
		return '';
	}
}

const on = (host: string, domain: string) => host === domain || host.endsWith(`.${domain}`);

/**
 * The provider whose balance API a channel can use: a DeepSeek channel always (its API may sit
 * behind a proxy), the others by their API's host. OpenAI and the rest publish no balance API.
 */
export function balanceProviderOf(type: string, baseUrl: string): BalanceProvider | undefined {
	const host = hostOf(baseUrl);
	if (type === 'deepseek' || host === 'api.deepseek.com') return 'deepseek';
	if (type !== 'openai') return undefined;
	if (on(host, 'openrouter.ai')) return 'openrouter';
	if (host === 'api.siliconflow.cn' || host === 'api.siliconflow.com') return 'siliconflow';
	if (host === 'api.moonshot.cn' || host === 'api.moonshot.ai') return 'moonshot';
	return undefined;
}

/**
 * DeepSeek's `GET /user/balance`: `{is_available, balance_infos: [{currency, total_balance, …}]}`,
 * one entry per currency the account holds; USD is preferred when there are several.
 */
export function parseDeepSeekBalance(text: string): Balance {
	const body = json(text);
	if (!Array.isArray(body.balance_infos)) throw new BalanceShapeError('no balance_infos');
	const entries = body.balance_infos.flatMap((e) => {
		const amount = isRecord(e) ? decimal(e.total_balance) : undefined;
		return isRecord(e) && amount !== undefined && typeof e.currency === 'string' ? [{ amount, currency: e.currency.toUpperCase() }] : [];
	});
	const entry = entries.find((e) => e.currency === 'USD') ?? entries[0];
	if (!entry) throw new BalanceShapeError('no balance entry');
	return entry;
}

/** OpenRouter's `GET /api/v1/credits` (a management key): `{data: {total_credits, total_usage}}`, in USD. */
export function parseOpenRouterCredits(text: string): Balance {
	const body = json(text);
	const data = isRecord(body.data) ? body.data : undefined;
	const credits = typeof data?.total_credits === 'number' ? data.total_credits : undefined;
	const usage = typeof data?.total_usage === 'number' ? data.total_usage : undefined;
	if (credits === undefined || usage === undefined) throw new BalanceShapeError('no total_credits / total_usage');
	// Both are dollar amounts with up to ~10 decimals; round the difference to micro-dollars.
	return { amount: String(Math.round((credits - usage) * 1e6) / 1e6), currency: 'USD' };
}

/**
 * OpenRouter's `GET /api/v1/key` (any key): `{data: {limit, limit_remaining, usage}}`. What the
 * key may still spend, when it has a limit; undefined for a key without one.
 */
export function parseOpenRouterKey(text: string): Balance | undefined {
	const body = json(text);
	if (!isRecord(body.data)) throw new BalanceShapeError('no data');
	if (body.data.limit_remaining === null || body.data.limit_remaining === undefined) return undefined;
	const amount = decimal(body.data.limit_remaining);
	if (amount === undefined) throw new BalanceShapeError('limit_remaining is not a number');
	return { amount, currency: 'USD' };
}

/** SiliconFlow's `GET /v1/user/info`: `{code: 20000, data: {totalBalance: "88.88", …}}`; CNY on .cn, USD on .com. */
export function parseSiliconFlowBalance(text: string, currency: string): Balance {
	const body = json(text);
	const amount = isRecord(body.data) ? decimal(body.data.totalBalance) : undefined;
	if (amount === undefined) throw new BalanceShapeError('no data.totalBalance');
	return { amount, currency };
}

/** Moonshot's `GET /v1/users/me/balance`: `{code: 0, data: {available_balance, …}}`; CNY on .cn, USD on .ai. */
export function parseMoonshotBalance(text: string, currency: string): Balance {
	const body = json(text);
	const amount = isRecord(body.data) ? decimal(body.data.available_balance) : undefined;
	if (amount === undefined) throw new BalanceShapeError('no data.available_balance');
	return { amount, currency };
}

/** The requests that read a provider's balance, tried in order. */
export function balanceSteps(provider: BalanceProvider, baseUrl: string, secret: string): BalanceStep[] {
	const headers = { accept: 'application/json', authorization: `Bearer ${secret}` };
	const url = new URL(baseUrl);
	const host = url.hostname.toLowerCase();
	switch (provider) {
		case 'deepseek':
			return [{ request: { url: `${deepseekRoot(baseUrl)}/user/balance`, headers }, parse: parseDeepSeekBalance }];
		case 'openrouter':
			// The account's credits need a management key; an ordinary key still tells its own limit.
			return [
				{ request: { url: `${url.origin}/api/v1/credits`, headers }, parse: parseOpenRouterCredits, fallBack: true },
				{ request: { url: `${url.origin}/api/v1/key`, headers }, parse: parseOpenRouterKey }
			];
		case 'siliconflow': {
			const currency = host.endsWith('.cn') ? 'CNY' : 'USD';
			return [{ request: { url: `${url.origin}/v1/user/info`, headers }, parse: (text) => parseSiliconFlowBalance(text, currency) }];
		}
		case 'moonshot': {
			const currency = host.endsWith('.cn') ? 'CNY' : 'USD';
			return [{ request: { url: `${url.origin}/v1/users/me/balance`, headers }, parse: (text) => parseMoonshotBalance(text, currency) }];
		}
	}
}
