import type { ChatMessage, ChatRequest } from '../../protocol/canonical';
import { partPath, refusePart } from '../content-parts';
import { parseDataUrl } from '../data-url';
import { UpstreamRequestError } from '../../protocol/errors';
import { imageInputOf, type ImageInput } from './vision';
import { isRecord } from '../../protocol/json';

/**
 * Workers AI's default max_tokens is small (256 on many models) and truncates silently, so a
 * request without a limit gets this one (docs/providers/workers-ai.md, "Request mapping").
 */
export const DEFAULT_MAX_TOKENS = 2048;

/** Sampling fields the native text-generation schemas share. */
const NUMBERS = ['temperature', 'top_p', 'top_k', 'seed', 'frequency_penalty', 'presence_penalty', 'repetition_penalty'] as const;

/** The limit a converted request asks for, so that finish "length" can be inferred from usage. */
export function maxTokensOf(req: ChatRequest): number {
	return req.max_completion_tokens ?? req.max_tokens ?? DEFAULT_MAX_TOKENS;
}

/**
 * Canonical request → `/ai/run/{model}` body (docs/providers/workers-ai.md, "Request mapping"): content as the model's
 * schema takes it (docs/providers/workers-ai.md: strings, or image parts / image bytes for
 * vision models), tools in OpenAI's function form, max_tokens always set. Parameters the
 * native schemas lack (n, stop, logprobs, user, tool_choice, parallel_tool_calls,
 * reasoning_effort…) are dropped; content a model cannot take is refused.
 */
export function nativeBody(req: ChatRequest, stream: boolean, model: string): Record<string, unknown> {
	const input = imageInputOf(model);
	if (input === 'image-to-text') return imageToTextBody(req, stream);
	const { messages, images } = nativeMessages(req.messages, input);
	const out: Record<string, unknown> = { messages, max_tokens: maxTokensOf(req) };
	const [image] = images;
	if (image) out.image = image;
	if (stream) out.stream = true;
	Object.assign(out, samplingOf(req));
	if (req.tools?.length) {
		out.tools = req.tools.map(({ function: fn }) => ({
			type: 'function',
			function: { name: fn.name, ...(fn.description ? { description: fn.description } : {}), parameters: fn.parameters ?? { type: 'object', properties: {} } }
		}));
	}
	const format = req.response_format;
	if (format?.type === 'json_object') out.response_format = { type: 'json_object' };
	// JSON mode takes the schema itself under json_schema, not OpenAI's {name, schema} wrapper.
	if (format?.type === 'json_schema') out.response_format = { type: 'json_schema', json_schema: format.json_schema.schema ?? { type: 'object' } };
	return out;
}

function samplingOf(req: ChatRequest): Record<string, number> {
	const out: Record<string, number> = {};
	for (const key of NUMBERS) {
		const value = req[key];
		if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
	}
	return out;
}

/**
 * Roles the native models know: system, user, assistant, tool. Content is a string (text
 * parts joined with "\n"), except a user message with images to an 'image-parts' model, which
 * keeps its parts in order; for an 'image-field' model the one image is returned apart, as
 * bytes. Assistant tool calls keep OpenAI's shape; tool results carry the call's id and the
 * tool's name, which some models need.
 */
export function nativeMessages(messages: ChatMessage[], input: ImageInput = 'text'): { messages: Array<Record<string, unknown>>; images: number[][] } {
	const names = new Map<string, string>();
	const out: Array<Record<string, unknown>> = [];
	const images: number[][] = [];
	messages.forEach((message, index) => {
		const parts = nativeParts(message, index, input);
		const content = contentOf(parts);
		for (const [j, part] of parts.entries()) {
			if (part.type !== 'image_url' || input !== 'image-field') continue;
			if (images.length > 0) oneImageOnly(index, j, part);
			images.push(bytesOf(part.image_url.url));
		}
		switch (message.role) {
			case 'system':
			case 'developer':
				out.push({ role: 'system', content });
				break;
			case 'assistant': {
				const entry: Record<string, unknown> = { role: 'assistant', content };
				if (message.tool_calls?.length) {
					for (const call of message.tool_calls) names.set(call.id, call.function.name);
					entry.tool_calls = message.tool_calls.map((call) => ({
						id: call.id,
						type: 'function',
						function: { name: call.function.name, arguments: call.function.arguments || '{}' }
					}));
				}
				out.push(entry);
				break;
			}
			case 'tool':
			case 'function': {
				const id = message.tool_call_id;
				const name = message.name ?? (id !== undefined ? names.get(id) : undefined);
				out.push({ role: 'tool', content, ...(id !== undefined ? { tool_call_id: id } : {}), ...(name !== undefined ? { name } : {}) });
				break;
			}
			default:
				out.push({ role: 'user', content: input === 'image-parts' && parts.some((p) => p.type === 'image_url') ? parts : content });
		}
	});
	return { messages: out, images };
}

type NativePart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

/** The joined text of a message's parts (images are carried apart, or in the parts). */
function contentOf(parts: NativePart[]): string {
	return parts
		.filter((p): p is Extract<NativePart, { type: 'text' }> => p.type === 'text')
		.map((p) => p.text)
		.join('\n');
}

/**
 * A message's content as text parts and (user messages, vision models) images as base64 data
 * URLs. Everything else is refused: audio and files (no native chat schema takes them),
 * images where the model or the role takes none, and unknown part types.
 */
function nativeParts(message: ChatMessage, index: number, input: ImageInput): NativePart[] {
	const content: unknown = message.content;
	if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
	if (!Array.isArray(content)) return [];
	return content.map((part: unknown, j): NativePart => {
		const where = partPath(index, j);
		const p = isRecord(part) ? part : {};
		switch (p.type) {
			case 'text':
				return { type: 'text', text: typeof p.text === 'string' ? p.text : '' };
			case 'refusal':
				if (message.role !== 'assistant') break;
				return { type: 'text', text: typeof p.refusal === 'string' ? p.refusal : '' };
			case 'image_url':
				if (input === 'text') return refusePart(where, part, 'this model takes no image input on Workers AI (its vision models are listed in the gateway docs)');
				if (message.role !== 'user') return refusePart(where, part, 'only user messages can carry images');
				return { type: 'image_url', image_url: { url: imageDataUrl(where, part, p.image_url) } };
			case 'input_audio':
				return refusePart(where, part, "Workers AI's native chat models take no audio input");
			case 'file':
				return refusePart(where, part, "Workers AI's native chat models take no files or documents (send their text instead)");
		}
		return refusePart(where, part, p.type === 'refusal' ? 'refusal parts belong to assistant messages' : 'unknown content part type');
	});
}

/**
 * The image as a base64 data URL of an image type. Remote URLs were downloaded by `prepare`
 * (the models refuse HTTP URLs), so anything else here is the client's mistake.
 */
function imageDataUrl(where: string, part: unknown, ref: unknown): string {
	const url = isRecord(ref) && typeof ref.url === 'string' ? ref.url : typeof ref === 'string' ? ref : '';
	const data = parseDataUrl(url);
	if (!data) return refusePart(where, part, 'image_url.url must be an http(s) URL or a data: URL');
	if (!data.mediaType.startsWith('image/')) return refusePart(where, part, `the data URL holds ${data.mediaType || 'no media type'}, not an image`);
	if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(data.data)) return refusePart(where, part, 'the data URL is not valid base64');
	return `data:${data.mediaType};base64,${data.data.replace(/\s+/g, '')}`;
}

/** The bytes of a data URL from `imageDataUrl`, as the integer array the byte-taking schemas want. */
function bytesOf(dataUrl: string): number[] {
	return Array.from(Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64'));
}

function oneImageOnly(index: number, j: number, part: unknown): never {
	return refusePart(partPath(index, j), part, 'this model takes one image per request, and an earlier part already has one');
}

/**
 * An 'image-to-text' model (LLaVA, UForm) answers one prompt about one image: system and user
 * text become the prompt, the image goes as bytes. A conversation with assistant or tool turns,
 * streaming, tools and JSON output have no place in its schema and are refused.
 */
function imageToTextBody(req: ChatRequest, stream: boolean): Record<string, unknown> {
	if (stream) throw new UpstreamRequestError('This model does not stream its answer; send the request with stream: false.', 'stream');
	if (req.tools?.length) throw new UpstreamRequestError('This model describes images and cannot call tools.', 'tools');
	if (req.response_format && req.response_format.type !== 'text') throw new UpstreamRequestError('This model describes images in plain text; it has no JSON output.', 'response_format');
	const texts: string[] = [];
	let image: number[] | undefined;
	req.messages.forEach((message, index) => {
		if (message.role !== 'user' && message.role !== 'system' && message.role !== 'developer') {
			throw new UpstreamRequestError(`${partPath(index)}: this model answers one prompt about one image; ${message.role} messages cannot be sent to it.`, 'messages');
		}
		for (const [j, part] of nativeParts(message, index, 'image-to-text').entries()) {
			if (part.type === 'text') {
				if (part.text) texts.push(part.text);
			} else {
				if (image) oneImageOnly(index, j, part);
				image = bytesOf(part.image_url.url);
			}
		}
	});
	if (!image) throw new UpstreamRequestError('This model describes an image: the request must have one image_url part.', 'messages');
	return { prompt: texts.join('\n\n'), image, max_tokens: maxTokensOf(req), ...samplingOf(req) };
}
