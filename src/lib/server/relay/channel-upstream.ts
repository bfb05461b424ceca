import { BalanceShapeError, type Balance, type BalanceStep } from '../providers/balance';
import { ModelListShapeError, type ListRequest, type ModelLister } from '../providers/model-list';
import { scrubUpstreamMessage } from './scrub';

/**
 * The admin's reads of an upstream beyond calls: its model list and its account balance
 * (docs/channels.md). GET only, redirects not followed (they would resend the key elsewhere),
 * bounded in time and size. No database: the caller records what it wants to keep.
 */

/** Why an upstream read failed, for the caller to put in words. */
export type UpstreamProblem =
	| { kind: 'http'; status: number; message: string }
	| { kind: 'timeout'; seconds: number }
	| { kind: 'unreachable' }
	| { kind: 'unreadable' }
	| { kind: 'too-many' };

export class UpstreamReadError extends Error {
	override name = 'UpstreamReadError';
	constructor(readonly problem: UpstreamProblem) {
		super(problem.kind);
	}
}

/** Larger answers are refused (a model list is a few hundred KB at most). */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;
/** Pages read at most, and models kept at most (a channel lists at most 2,000). */
const MAX_PAGES = 50;
const MAX_MODELS = 5000;

/** The upstream's own words from an error body (OpenAI, Anthropic, Gemini and Cloudflare shapes), scrubbed. */
export function upstreamErrorMessage(text: string): string {
	let message = text;
	try {
		const body = JSON.parse(text) as Record<string, unknown>;
		const err = body.error;
		if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') message = (err as { message: string }).message;
		else if (typeof err === 'string') message = err;
		else if (typeof body.message === 'string') message = body.message;
		else if (Array.isArray(body.errors) && typeof (body.errors[0] as { message?: unknown } | undefined)?.message === 'string') message = (body.errors[0] as { message: string }).message;
	} catch {
		// Not JSON: the text itself (an HTML page is cut short by the scrubber).
	}
	return scrubUpstreamMessage(message.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' '));
}

async function readCapped(res: Response): Promise<string> {
	const declared = Number(res.headers.get('content-length') ?? '0');
	if (declared > MAX_ANSWER_BYTES) throw new UpstreamReadError({ kind: 'unreadable' });
	const reader = res.body?.getReader();
	if (!reader) return '';
	const parts: Uint8Array[] = [];
	let size = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		size += value.byteLength;
		if (size > MAX_ANSWER_BYTES) {
			await reader.cancel().catch(() => {});
			throw new UpstreamReadError({ kind: 'unreadable' });
		}
		parts.push(value);
	}
	return new TextDecoder().decode(Buffer.concat(parts));
}

/** One GET with what is left of the deadline: the body on 2xx, an UpstreamReadError otherwise. */
async function get(request: ListRequest, deadline: number, timeoutMs: number): Promise<string> {
	const left = deadline - Date.now();
	if (left <= 0) throw new UpstreamReadError({ kind: 'timeout', seconds: Math.max(1, Math.round(timeoutMs / 1000)) });
	let res: Response;
	try {
		res = await fetch(request.url, {
			method: 'GET',
			headers: request.headers,
			redirect: 'manual',
			signal: AbortSignal.timeout(left),
			timeout: false
		} as RequestInit);
	} catch (err) {
		const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
		throw new UpstreamReadError(timedOut ? { kind: 'timeout', seconds: Math.max(1, Math.round(timeoutMs / 1000)) } : { kind: 'unreachable' });
	}
	let text: string;
	try {
		text = await readCapped(res);
	} catch (err) {
		if (err instanceof UpstreamReadError) throw err;
		const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
		throw new UpstreamReadError(timedOut ? { kind: 'timeout', seconds: Math.max(1, Math.round(timeoutMs / 1000)) } : { kind: 'unreadable' });
	}
	if (res.status < 200 || res.status >= 300) throw new UpstreamReadError({ kind: 'http', status: res.status, message: upstreamErrorMessage(text) });
	return text;
}

/**
 * Every model the upstream lists, page after page, sorted and without repeats. The whole
 * listing shares one deadline.
 */
export async function readUpstreamModels(lister: ModelLister, timeoutMs: number): Promise<string[]> {
	const deadline = Date.now() + timeoutMs;
	const found = new Set<string>();
	let cursor: string | undefined;
	const seen = new Set<string>();
	for (let page = 0; page < MAX_PAGES; page++) {
		const text = await get(lister.request(cursor), deadline, timeoutMs);
		let parsed;
		try {
			parsed = lister.parse(text);
		} catch (err) {
			if (err instanceof ModelListShapeError) throw new UpstreamReadError({ kind: 'unreadable' });
			throw err;
		}
		for (const model of parsed.models) found.add(model);
		if (found.size > MAX_MODELS) throw new UpstreamReadError({ kind: 'too-many' });
		// A cursor seen before would loop for ever.
		if (!parsed.next || seen.has(parsed.next)) break;
		seen.add(parsed.next);
		cursor = parsed.next;
	}
	return [...found].sort((a, b) => a.localeCompare(b));
}

/** The balance from the first step that gives one; a step marked `fallBack` may be refused on the way. */
export async function readUpstreamBalance(steps: BalanceStep[], timeoutMs: number): Promise<Balance | undefined> {
	const deadline = Date.now() + timeoutMs;
	for (const [i, step] of steps.entries()) {
		const last = i === steps.length - 1;
		let text: string;
		try {
			text = await get(step.request, deadline, timeoutMs);
		} catch (err) {
			if (step.fallBack && !last && err instanceof UpstreamReadError && err.problem.kind === 'http') continue;
			throw err;
		}
		try {
			const balance = step.parse(text);
			if (balance) return balance;
		} catch (err) {
			if (err instanceof BalanceShapeError) throw new UpstreamReadError({ kind: 'unreadable' });
			throw err;
		}
	}
	return undefined;
}
