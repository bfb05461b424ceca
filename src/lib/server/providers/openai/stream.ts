import type { NormalizedUsage, StreamOptions, StreamTranslator } from '../types';
import { usageFromOpenAI } from './usage';

/** Events kept for counting tokens when no usage arrives; past this, text is estimated from size. */
const HELD_LIMIT = 1 << 20;

/**
 * OpenAI-style SSE passes through event by event. Only three events are ever parsed: the
 * first (to commit, and to learn the upstream's model name), the one carrying usage, and an
 * error. Everything else is forwarded as text, with the model name swapped by string
 * replacement when the upstream reports a different one.
 */
export function createOpenAIStreamTranslator({ publicModel, clientWantsUsage }: StreamOptions): StreamTranslator {
	let rename: { from: string; to: string } | undefined;
	let usage: NormalizedUsage | undefined;
	let error: string | undefined;
	// Raw events held until usage shows up, so a stream without usage can still be counted.
	let held: string[] | undefined = [];
	let heldBytes = 0;
	let unheldBytes = 0;

	function emit(data: string): string {
		if (rename) data = data.replaceAll(rename.from, rename.to);
		return `data: ${data}\n\n`;
	}

	function handle(data: string): string {
		if (data === '[DONE]') return 'data: [DONE]\n\n';
		if (data.startsWith('{"error"')) {
			error = errorText(data);
			return '';
		}
		if (data.includes('"usage":{') || data.includes('"usage": {')) {
			const parsed = parse(data);
			usage = usageFromOpenAI(parsed?.usage) ?? usage;
			held = undefined;
			if (!clientWantsUsage && Array.isArray(parsed?.choices) && parsed.choices.length === 0) return '';
		} else if (held) {
			if (heldBytes + data.length <= HELD_LIMIT) {
				held.push(data);
				heldBytes += data.length;
			} else unheldBytes += data.length;
		}
		return emit(data);
	}

	return {
		first(data) {
			const parsed = parse(data);
			if (!parsed || 'error' in parsed) return { ok: false, message: errorText(data) };
			if (typeof parsed.model === 'string' && parsed.model !== publicModel) {
				rename = { from: `"model":${JSON.stringify(parsed.model)}`, to: `"model":${JSON.stringify(publicModel)}` };
			}
			return { ok: true, out: handle(data) };
		},
		next: handle,
		comment: (text) => `:${text}\n\n`,
		usage: () => usage,
		error: () => error,
		outputText() {
			const parts = (held ?? []).map(deltaText);
			// Beyond the held limit, assume the usual ~4 bytes of event per character of text.
			if (unheldBytes > 0) parts.push('x'.repeat(Math.floor(unheldBytes / 4)));
			return parts.join('');
		}
	};
}

function parse(data: string): Record<string, unknown> | undefined {
	try {
		const value: unknown = JSON.parse(data);
		return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
	} catch {
		return undefined;
	}
}

function errorText(data: string): string {
	const error = parse(data)?.error;
	if (typeof error === 'string') return error;
	const message = error !== null && typeof error === 'object' ? (error as Record<string, unknown>).message : undefined;
	return typeof message === 'string' ? message : 'The upstream reported an error in the stream';
}

/** The text a chunk adds: chat deltas (content, reasoning, tool arguments) or legacy `text`. */
function deltaText(data: string): string {
	const choices = parse(data)?.choices;
	if (!Array.isArray(choices)) return '';
	let text = '';
	for (const choice of choices) {
		if (choice === null || typeof choice !== 'object') continue;
		const c = choice as Record<string, unknown>;
		if (typeof c.text === 'string') text += c.text;
		const delta = c.delta;
		if (delta === null || typeof delta !== 'object') continue;
		const d = delta as Record<string, unknown>;
		for (const key of ['content', 'reasoning_content', 'refusal']) if (typeof d[key] === 'string') text += d[key];
		if (Array.isArray(d.tool_calls)) {
			for (const call of d.tool_calls) {
				const fn = call !== null && typeof call === 'object' ? (call as Record<string, unknown>).function : undefined;
				if (fn !== null && typeof fn === 'object') {
					const f = fn as Record<string, unknown>;
					if (typeof f.name === 'string') text += f.name;
					if (typeof f.arguments === 'string') text += f.arguments;
				}
			}
		}
	}
	return text;
}
