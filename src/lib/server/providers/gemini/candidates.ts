import { createHash, randomBytes } from 'node:crypto';
import type { FinishReason, ToolCall } from '../../protocol/canonical';
import { arrayOr, isObject, objectOr, stringOr, type Json } from './json';

/**
 * What both the non-stream and the stream conversion read from a Gemini candidate's parts
 * (docs/providers/gemini.md, "Non-stream response", "Streaming"), and how its finishReason maps.
 */

export type PartEvent =
	| { kind: 'text'; text: string }
	| { kind: 'reasoning'; text: string }
	| { kind: 'call'; name: string; arguments: string; signature?: string };

/**
 * The parts in order, as text, reasoning and calls. Empty text is dropped (Gemini often sends
 * it next to calls), but a signature it carries is kept for the call that follows it when that
 * call has none (docs/providers/gemini.md, "Non-stream response": a part may carry only a thoughtSignature).
 */
export function readParts(content: unknown): PartEvent[] {
	const out: PartEvent[] = [];
	let looseSignature: string | undefined;
	for (const part of arrayOr(objectOr(content).parts)) {
		if (!isObject(part)) continue;
		const signature = typeof part.thoughtSignature === 'string' && part.thoughtSignature ? part.thoughtSignature : undefined;
		if (isObject(part.functionCall)) {
			const call = part.functionCall;
			const args = isObject(call.args) ? call.args : {};
			const own = signature ?? looseSignature;
			looseSignature = undefined;
			out.push({ kind: 'call', name: stringOr(call.name), arguments: JSON.stringify(args), ...(own ? { signature: own } : {}) });
			continue;
		}
		const text = typeof part.text === 'string' ? part.text : textOfOtherPart(part);
		if (!text) {
			if (signature) looseSignature = signature;
			continue;
		}
		out.push({ kind: part.thought === true ? 'reasoning' : 'text', text });
	}
	return out;
}

/** Image output and code execution as text the client can show (docs/providers/gemini.md, "Non-stream response"). */
function textOfOtherPart(part: Json): string {
	if (isObject(part.inlineData)) {
		const data = part.inlineData;
		return `![image](data:${stringOr(data.mimeType, 'image/png')};base64,${stringOr(data.data)})`;
	}
	if (isObject(part.executableCode)) {
		const code = part.executableCode;
		return `\n\`\`\`${stringOr(code.language, '').toLowerCase().replace('language_unspecified', '')}\n${stringOr(code.code)}\n\`\`\`\n`;
	}
	if (isObject(part.codeExecutionResult)) return `\n\`\`\`\n${stringOr(part.codeExecutionResult.output)}\n\`\`\`\n`;
	return '';
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * Gemini's calls have no ids: `call_<24 base62>` (docs/protocol.md, "Conversion rules"), derived from the response id and the
 * call's ordinal so a response converts the same way every time. Without a response id the
 * seed is random.
 */
export function callIdFactory(responseId: string | undefined): (n: number) => string {
	const seed = responseId ?? randomBytes(16).toString('hex');
	return (n) => {
		const digest = createHash('sha256').update(`${seed}:${n}`).digest();
		let id = 'call_';
		for (let i = 0; i < 24; i++) id += BASE62[(digest[i] ?? 0) % 62];
		return id;
	};
}

export function toolCallOf(call: Extract<PartEvent, { kind: 'call' }>, id: string): ToolCall {
	return {
		id,
		type: 'function',
		function: { name: call.name, arguments: call.arguments },
		...(call.signature ? { extra_content: { google: { thought_signature: call.signature } } } : {})
	};
}

const FILTERED = new Set(['SAFETY', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'LANGUAGE', 'IMAGE_SAFETY', 'IMAGE_PROHIBITED_CONTENT', 'IMAGE_RECITATION', 'RECITATION']);
const BROKEN_CALL = new Set(['MALFORMED_FUNCTION_CALL', 'UNEXPECTED_TOOL_CALL', 'TOO_MANY_TOOL_CALLS', 'MALFORMED_RESPONSE']);

/** An answer that cannot go to the client as is: a retryable upstream fault, or a 400 for the client. */
export type FinishProblem = { retry: boolean; message: string };

/**
 * The finish reason table of docs/providers/gemini.md, "Non-stream response". STOP becomes tool_calls when the candidate made calls (Gemini has
 * no tool-use reason). A broken call with no text to show is an upstream fault worth one
 * retry; MISSING_THOUGHT_SIGNATURE means the client's history lost a signature (its mistake).
 */
export function mapFinishReason(reason: string, madeCalls: boolean, producedText: boolean, finishMessage?: string): FinishReason | FinishProblem {
	if (reason === 'MAX_TOKENS') return 'length';
	if (FILTERED.has(reason)) return 'content_filter';
	if (BROKEN_CALL.has(reason)) {
		if (producedText) return 'stop';
		return { retry: true, message: `Gemini could not produce a valid answer (${reason})${finishMessage ? `: ${finishMessage}` : ''}` };
	}
	if (reason === 'MISSING_THOUGHT_SIGNATURE') {
		return {
			retry: false,
			message: 'Gemini refused the conversation: a function call in the history is missing its thought signature (send back tool_calls[].extra_content.google.thought_signature).'
		};
	}
	return madeCalls ? 'tool_calls' : 'stop';
}

/** The blocked-prompt answer (docs/providers/gemini.md, "Non-stream response"; docs/protocol.md, "Golden cases", case 10): HTTP 200, no candidates, a blockReason. */
export function blockReasonOf(response: Json): string | undefined {
	const reason = objectOr(response.promptFeedback).blockReason;
	return typeof reason === 'string' && reason ? reason : undefined;
}
