import { adaptorFor } from '../providers/registry';
import type { Door } from '../providers/types';
import type { ChannelKeyState, ChannelState } from '../state/snapshot';
import { m } from '../../paraglide/messages';
import { scrubUpstreamMessage } from './scrub';

/** Kept and sent in English (the API's language); pages show them in theirs (channel-errors.ts). */
const en = { locale: 'en' } as const;

export interface ChannelTestResult {
	ok: boolean;
	model: string;
	latencyMs: number;
	/** The upstream's HTTP status; 0 when it did not answer. */
	status: number;
	error: string | null;
}

/** Embedding models are tested on the embeddings endpoint, everything else with a one-token chat. */
function doorFor(model: string): Door {
	return /embed/i.test(model) ? 'embeddings' : 'chat';
}

/**
 * A minimal real request through the channel's adaptor with one of its keys: the smallest
 * call that proves the channel answers. No database, no snapshot: the caller records it.
 */
export async function runChannelTest(
	channel: ChannelState,
	key: ChannelKeyState,
	{ model, timeoutMs }: { model?: string; timeoutMs: number }
): Promise<ChannelTestResult> {
	const publicModel = model ?? [...channel.models][0] ?? '';
	const adaptor = adaptorFor(channel.type);
	const started = performance.now();
	const result = (ok: boolean, status: number, error: string | null): ChannelTestResult => ({
		ok,
		model: publicModel,
		latencyMs: Math.round(performance.now() - started),
		status,
		error: error && scrubUpstreamMessage(error)
	});
	if (!adaptor) return result(false, 0, m.channels_test_no_adaptor({ type: channel.type }, en));
	if (!publicModel) return result(false, 0, m.channels_test_no_model({}, en));
	const wanted = doorFor(publicModel);
	const door = adaptor.supports(wanted) ? wanted : 'chat';
	const upstreamModel = channel.modelMapping.get(publicModel) ?? publicModel;
	const body = adaptor.testBody(door, upstreamModel);
	try {
		const outbound = adaptor.buildRequest({ channel, secret: key.secret, door, body, rawBody: JSON.stringify(body), upstreamModel, stream: false });
		const res = await fetch(outbound.url, {
			method: 'POST',
			headers: outbound.headers,
			body: outbound.body,
			signal: AbortSignal.timeout(timeoutMs),
			timeout: false
		} as RequestInit);
		const text = await res.text();
		if (!res.ok) return result(false, res.status, adaptor.classifyFailure(res.status, res.headers, text).message);
		adaptor.finishResponse(door, text, publicModel);
		return result(true, res.status, null);
	} catch (err) {
		const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
		return result(false, 0, timedOut ? m.channels_upstream_timeout({ seconds: Math.max(1, Math.round(timeoutMs / 1000)) }, en) : m.channels_test_unreachable({}, en));
	}
}
