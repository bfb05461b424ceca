import { DoorInputError } from '../../protocol/errors';
import { partPath, refusePart } from '../content-parts';
import { parseDataUrl } from '../data-url';
import { arrayOr, isObject, objectOr, stringOr, type Json } from './json';

/**
 * Canonical messages → Gemini `systemInstruction` + `contents` (docs/protocol.md, "Conversion rules"; docs/providers/gemini.md, "Request mapping", "Thought signatures").
 * Reads the client's body defensively: malformed messages are skipped, while a content part
 * Gemini cannot carry (docs/providers/content-parts.md) and what would make Gemini answer 400
 * for sure (a tool result with no call to name it) are refused.
 */

export interface GeminiPart extends Json {}
export interface GeminiContent {
	role: 'user' | 'model';
	parts: GeminiPart[];
}

/**
 * Google's documented value for a function call whose signature was lost (history from another
 * model, or a client that drops unknown fields): it skips the check. Gemini 3 only, last resort.
 */
export const DUMMY_THOUGHT_SIGNATURE = 'skip_thought_signature_validator';

export function convertMessages(messages: unknown, upstreamModel: string): { systemInstruction?: { parts: GeminiPart[] }; contents: GeminiContent[] } {
	const system: GeminiPart[] = [];
	const turns: GeminiContent[] = [];
	const namesById = new Map<string, string>();
	const needsSignatures = /gemini-3/i.test(upstreamModel);

	for (const [i, raw] of arrayOr(messages).entries()) {
		if (!isObject(raw)) continue;
		const role = stringOr(raw.role);
		if (role === 'system' || role === 'developer') {
			const text = textOf(raw.content, i, 'system');
			if (text) system.push({ text });
		} else if (role === 'assistant') {
			turns.push({ role: 'model', parts: assistantParts(raw, i, namesById, needsSignatures) });
		} else if (role === 'tool' || role === 'function') {
			turns.push({ role: 'user', parts: [functionResponse(raw, i, namesById)] });
		} else {
			turns.push({ role: 'user', parts: userParts(raw.content, i) });
		}
	}
	const contents = mergeTurns(turns.filter((t) => t.parts.length > 0));
	// Gemini needs at least one turn; a conversation of system messages only gets a minimal one.
	if (contents.length === 0) contents.push({ role: 'user', parts: [{ text: '.' }] });
	return { ...(system.length > 0 ? { systemInstruction: { parts: system } } : {}), contents };
}

/** Consecutive same-role turns become one: Gemini wants user and model to alternate. */
function mergeTurns(turns: GeminiContent[]): GeminiContent[] {
	const out: GeminiContent[] = [];
	for (const turn of turns) {
		const last = out.at(-1);
		if (last && last.role === turn.role) last.parts.push(...turn.parts);
		else out.push({ role: turn.role, parts: [...turn.parts] });
	}
	return out;
}

const MEDIA = new Set(['image_url', 'input_audio', 'file']);

/**
 * A system, assistant or tool message's text: a string, or its text parts joined (an
 * assistant's refusal part counts as text). Gemini takes no media there, so any other part is
 * refused rather than dropped (docs/providers/content-parts.md).
 */
function textOf(content: unknown, index: number, role: string): string {
	if (typeof content === 'string') return content;
	return arrayOr(content)
		.map((p, j) => {
			if (isObject(p) && p.type === 'text') return stringOr(p.text);
			if (isObject(p) && p.type === 'refusal' && role === 'assistant') return stringOr(p.refusal);
			const type = isObject(p) ? p.type : undefined;
			const reason = typeof type === 'string' && MEDIA.has(type) ? `${role} messages carry only text for Gemini` : type === 'refusal' ? 'refusal parts belong to assistant messages' : 'unknown content part type';
			return refusePart(partPath(index, j), p, reason);
		})
		.filter(Boolean)
		.join('\n');
}

function userParts(content: unknown, index: number): GeminiPart[] {
	if (typeof content === 'string') return content ? [{ text: content }] : [];
	const parts: GeminiPart[] = [];
	for (const [j, raw] of arrayOr(content).entries()) {
		if (!isObject(raw)) refusePart(partPath(index, j), raw, 'unknown content part type');
		switch (raw.type) {
			case 'text':
				if (stringOr(raw.text)) parts.push({ text: raw.text });
				break;
			case 'image_url':
				parts.push(imagePart(stringOr(objectOr(raw.image_url).url), index));
				break;
			case 'input_audio': {
				const audio = objectOr(raw.input_audio);
				const format = stringOr(audio.format, 'wav').toLowerCase();
				parts.push({ inlineData: { mimeType: `audio/${format === 'mp3' ? 'mp3' : format}`, data: stringOr(audio.data) } });
				break;
			}
			case 'file':
				parts.push(filePart(objectOr(raw.file), index));
				break;
			default:
				refusePart(partPath(index, j), raw, raw.type === 'refusal' ? 'refusal parts belong to assistant messages' : 'unknown content part type');
		}
	}
	return parts;
}

/** Remote URLs Gemini fetches itself (docs/providers/gemini.md, "Request mapping"): its Files API, YouTube and (Vertex) Cloud Storage. */
const FETCHED_BY_GEMINI = /^(gs:\/\/|https:\/\/generativelanguage\.googleapis\.com\/|https:\/\/(www\.)?(youtube\.com|youtu\.be)\/)/i;

function imagePart(url: string, index: number): GeminiPart {
	const data = inlineDataOf(url);
	if (data) return { inlineData: data };
	if (/^(https?|gs):\/\//i.test(url)) {
		// Other http(s) URLs are inlined by `prepare` before this runs; one that is still here
		// (prepare was skipped) goes as fileData and Gemini decides. YouTube links need no type.
		if (FETCHED_BY_GEMINI.test(url) && /youtu/i.test(url)) return { fileData: { fileUri: url } };
		return { fileData: { mimeType: guessImageType(url), fileUri: url } };
	}
	throw new DoorInputError(`messages[${index}]: an image must be a data URL or an http(s) URL.`, 'messages');
}

function filePart(file: Json, index: number): GeminiPart {
	const data = inlineDataOf(stringOr(file.file_data));
	if (data) return { inlineData: { mimeType: data.mimeType === 'application/octet-stream' ? 'application/pdf' : data.mimeType, data: data.data } };
	throw new DoorInputError(`messages[${index}]: files must be sent inline as file_data (a data URL); file ids cannot be used with this model.`, 'messages');
}

function guessImageType(url: string): string {
	const ext = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase();
	return ext === 'png' ? 'image/png' : ext === 'gif' ? 'image/gif' : ext === 'webp' ? 'image/webp' : ext === 'pdf' ? 'application/pdf' : 'image/jpeg';
}

/** A data URL as Gemini's inlineData (docs/protocol.md, "Conversion rules"); a URL naming no media type is taken for bytes. */
function inlineDataOf(url: string): { mimeType: string; data: string } | undefined {
	const parsed = parseDataUrl(url);
	return parsed && { mimeType: parsed.mediaType || 'application/octet-stream', data: parsed.data };
}

function assistantParts(message: Json, index: number, namesById: Map<string, string>, needsSignatures: boolean): GeminiPart[] {
	const parts: GeminiPart[] = [];
	const text = textOf(message.content, index, 'assistant');
	if (text) parts.push({ text });
	const calls = arrayOr(message.tool_calls).filter(isObject);
	const anySigned = calls.some((c) => signatureOf(c) !== undefined);
	for (const [k, call] of calls.entries()) {
		const fn = objectOr(call.function);
		const name = stringOr(fn.name);
		const id = stringOr(call.id);
		if (id) namesById.set(id, name);
		const part: GeminiPart = { functionCall: { name, args: parseArguments(fn.arguments) } };
		const signature = signatureOf(call);
		if (signature) part.thoughtSignature = signature;
		// Only the first call of a parallel set carries a signature; never invent others.
		else if (k === 0 && !anySigned && needsSignatures) part.thoughtSignature = DUMMY_THOUGHT_SIGNATURE;
		parts.push(part);
	}
	// Legacy function_call on an assistant message.
	const legacy = objectOr(message.function_call);
	if (calls.length === 0 && typeof legacy.name === 'string') {
		parts.push({ functionCall: { name: legacy.name, args: parseArguments(legacy.arguments) } });
	}
	return parts;
}

function signatureOf(call: Json): string | undefined {
	const signature = objectOr(objectOr(call.extra_content).google).thought_signature;
	return typeof signature === 'string' && signature ? signature : undefined;
}

/** `arguments` as an object: JSON, or `{}` when empty or unreadable (docs/protocol.md, "Conversion rules": tool arguments). */
function parseArguments(args: unknown): Json {
	if (isObject(args)) return args;
	if (typeof args !== 'string' || !args.trim()) return {};
	try {
		const value: unknown = JSON.parse(args);
		return isObject(value) ? value : {};
	} catch {
		return {};
	}
}

function functionResponse(message: Json, index: number, namesById: Map<string, string>): GeminiPart {
	const id = stringOr(message.tool_call_id);
	const name = message.role === 'function' ? stringOr(message.name) : namesById.get(id);
	if (!name) {
		throw new DoorInputError(`messages[${index}]: tool message with tool_call_id "${id}" does not answer any tool call of an earlier assistant message.`, 'messages');
	}
	const text = textOf(message.content, index, 'tool');
	let output: unknown = text;
	try {
		output = text.trim() ? (JSON.parse(text) as unknown) : text;
	} catch {
		// plain text result
	}
	return { functionResponse: { name, response: { output } } };
}
