import type { EventSourceMessage } from 'eventsource-parser';
import { UpstreamFormatError } from '../../protocol/errors';
import { createBoundedParser, EVENT_TOO_LARGE } from '../sse-framing';
import { TextTally } from '../text-tally';
import type { FinishedResponse, NormalizedUsage, StreamOptions, StreamTranslator } from '../types';
import { TokenCountReader } from '../usage';
import { isRecord, parseJsonObject } from '../../protocol/json';

/*
 * An upstream that serves /responses itself (OpenAI, Azure v1, some compatible hosts): its
 * answer goes to the client as is (docs/protocol.md, "Converter architecture", rule 2), read only for usage, the end of
 * the stream and in-stream errors. One change is made: the upstream's model name is replaced
 * by the public one (docs/protocol.md, "Completion"), in the lifecycle events that carry the response object.
 */

/** Responses usage (input_tokens include cached ones) as the normalized record. */
export function usageFromResponses(usage: unknown): NormalizedUsage | undefined {
	if (!isRecord(usage)) return undefined;
	const reader = new TokenCountReader();
	const count = (value: unknown) => reader.count(value);
	const input = count(usage.input_tokens);
	const output = count(usage.output_tokens);
	const cached = Math.min(input, count(isRecord(usage.input_tokens_details) ? usage.input_tokens_details.cached_tokens : 0));
	const reasoning = Math.min(output, count(isRecord(usage.output_tokens_details) ? usage.output_tokens_details.reasoning_tokens : 0));
	return reader.result({ inputUncached: input - cached, cacheRead: cached, cacheWrite: 0, output, reasoning });
}

function errorMessage(event: Record<string, unknown> | undefined, fallback: string): string {
	if (!event) return fallback;
	const error = isRecord(event.response) ? event.response.error : (event.error ?? event);
	if (isRecord(error) && typeof error.message === 'string' && error.message) return error.message;
	return fallback;
}

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

export function createResponsesPassthroughTranslator({ publicModel }: StreamOptions): StreamTranslator {
	const decoder = new TextDecoder();
	let state: StreamTranslator['state'] = 'waiting';
	let rejection: string | undefined;
	let error: string | undefined;
	let done = false;
	let usage: NormalizedUsage | undefined;
	const text = new TextTally();
	let rename: { from: string; to: string } | undefined;
	let out = '';

	function onEvent(message: EventSourceMessage): void {
		const event = parseJsonObject(message.data);
		const type = message.event ?? (typeof event?.type === 'string' ? event.type : undefined);
		if (state === 'waiting') {
			if (!event || type === 'error' || type === 'response.failed') {
				state = 'rejected';
				rejection = errorMessage(event, 'The upstream sent something other than a Responses event');
				return;
			}
			state = 'committed';
			const model = isRecord(event.response) ? event.response.model : undefined;
			if (typeof model === 'string' && model !== publicModel) {
				rename = { from: `"model":${JSON.stringify(model)}`, to: `"model":${JSON.stringify(publicModel)}` };
			}
		}
		if (state === 'rejected') return;
		if (type === 'error' || type === 'response.failed') {
			// Not forwarded: the relay ends the client's stream with its own error event.
			error ??= errorMessage(event, 'The upstream reported an error in the stream');
			if (type === 'response.failed') done = true;
			return;
		}
		if (type && TERMINAL.has(type)) {
			done = true;
			usage = usageFromResponses(isRecord(event?.response) ? event.response.usage : undefined) ?? usage;
		}
		if (event && (type === 'response.output_text.delta' || type === 'response.function_call_arguments.delta') && typeof event.delta === 'string') {
			text.add(event.delta);
		}
		const data = rename && message.data.includes(rename.from) ? message.data.split(rename.from).join(rename.to) : message.data;
		out += (message.event ? `event: ${message.event}\n` : '') + data.split('\n').map((line) => `data: ${line}\n`).join('') + '\n';
	}

	const parser = createBoundedParser({
		onEvent,
		onComment: (comment) => {
			if (state === 'committed') out += `:${comment}\n\n`;
		},
		onTooLarge() {
			if (state === 'waiting') {
				state = 'rejected';
				rejection = EVENT_TOO_LARGE;
			} else error ??= EVENT_TOO_LARGE;
		}
	});

	function take(): string {
		const result = out;
		out = '';
		return result;
	}

	return {
		get state() {
			return state;
		},
		push(chunk) {
			parser.feed(decoder.decode(chunk, { stream: true }));
			return take();
		},
		end() {
			// An upstream that closes without the blank line after its last event still delivers it
			// (an extra blank line after a complete event dispatches nothing).
			parser.feed(decoder.decode() + '\n\n');
			parser.reset();
			return take();
		},
		rejection: () => rejection,
		done: () => done,
		error: () => error,
		usage: () => usage,
		producedText: () => text.produced(),
		outputText: () => text.text()
	};
}

/** A non-stream Responses answer with the public model name, its usage and its text. */
export function finishResponsesPassthrough(text: string, publicModel: string): FinishedResponse {
	const obj = parseJsonObject(text);
	if (!obj) throw new UpstreamFormatError('The upstream answered with something that is not a JSON object');
	return { body: withModel(text, obj, publicModel), usage: usageFromResponses(obj.usage), outputText: outputTextOf(obj.output) };
}

/** The top-level "model" (it precedes "output" in Responses answers) swapped in the text; else re-serialised. */
function withModel(text: string, obj: Record<string, unknown>, publicModel: string): string {
	if (typeof obj.model !== 'string' || obj.model === publicModel) return text;
	const quoted = JSON.stringify(obj.model).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
	const found = new RegExp(`"model"\\s*:\\s*${quoted}`).exec(text);
	const output = text.indexOf('"output"');
	if (found && (output < 0 || found.index < output)) {
		return text.slice(0, found.index) + `"model":${JSON.stringify(publicModel)}` + text.slice(found.index + found[0].length);
	}
	return JSON.stringify({ ...obj, model: publicModel });
}

function outputTextOf(output: unknown): string {
	if (!Array.isArray(output)) return '';
	let text = '';
	for (const item of output) {
		if (!isRecord(item)) continue;
		if (typeof item.arguments === 'string') text += item.arguments;
		if (typeof item.input === 'string') text += item.input;
		if (Array.isArray(item.content)) for (const part of item.content) if (isRecord(part) && typeof part.text === 'string') text += part.text;
	}
	return text;
}
