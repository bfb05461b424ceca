import { createRequire } from 'node:module';
import type * as O200kBaseModule from 'gpt-tokenizer/encoding/o200k_base';
import type { ProducedText } from '../providers/types';
import { DEFAULT_LIMITS, TokenCounter, type CountLimits } from './bounded-count';
import { isRecord } from '../protocol/json';

/**
 * Local token counts for upstreams that report no usage (the caller marks them "estimated")
 * and for count_tokens. o200k_base is the encoding of every current OpenAI chat model; for
 * other vendors' models it is an approximation, which is all an estimate promises. Every
 * count goes through a TokenCounter, so its cost is bounded whatever the text
 * (docs/token-counting.md).
 */

type O200kBase = typeof O200kBaseModule;

// Loading the encoding parses its ~200k-entry rank table: about 0.7 s and 90 MB under Bun,
// which a server whose upstreams all report usage should never pay. The counting API is
// synchronous, so the load is a synchronous require on first use rather than an import.
let encoding: O200kBase | undefined;

function o200kBase(): O200kBase {
	encoding ??= createRequire(import.meta.url)('gpt-tokenizer/encoding/o200k_base') as O200kBase;
	return encoding;
}

// Client text may contain "<|endoftext|>" and friends, on which the tokenizer throws by default;
// OpenAI's API reads them as ordinary text, and so do we.
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

// Flat costs for non-text parts, since their real size is unknown without decoding them: 765 is
// what OpenAI bills a 1024x1024 image at high detail (85 base + 4 tiles x 170), 200 a rough
// figure for a short audio clip.
const IMAGE_PART_TOKENS = 765;
const AUDIO_PART_TOKENS = 200;
// OpenAI's chat format: <|start|>{role}<|message|>{content}<|end|> per message, and the reply
// is primed with <|start|>assistant<|message|> (the cookbook's "how to count tokens" recipe).
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING_TOKENS = 3;

/**
 * A counter over o200k_base: one per prompt or answer, so its limits hold for the whole of
 * it. The encoding is loaded first, so that its one-time load is not taken for tokenizer work.
 */
export function newTokenCounter(limits: CountLimits = DEFAULT_LIMITS): TokenCounter {
	const encoding = o200kBase();
	return new TokenCounter((piece) => encoding.countTokens(piece, PLAIN_TEXT), limits);
}

export function countTextTokens(text: string): number {
	return text.length === 0 ? 0 : newTokenCounter().count(text);
}

/** Output tokens of a stream's produced text: the text kept, plus what was past the kept part by its size. */
export function countProducedTokens(produced: ProducedText): number {
	const counter = newTokenCounter();
	return counter.count(produced.text) + counter.countBytes(produced.beyondBytes);
}

/**
 * Prompt tokens of an OpenAI request body: chat completions, legacy completions or embeddings.
 * The body is whatever the client sent, so every field is checked before use, and anything
 * unrecognised counts as 0 rather than throwing.
 */
export function estimatePromptTokens(body: unknown): number {
	const counter = newTokenCounter();
	return walkPrompt(body, (text) => counter.count(text));
}

/**
 * As `estimatePromptTokens`, giving the event loop a turn every few milliseconds of tokenizer
 * work: for count_tokens, which anyone with a key may call for free.
 */
export async function estimatePromptTokensAsync(body: unknown): Promise<number> {
	const texts: string[] = [];
	const overhead = walkPrompt(body, (text) => {
		texts.push(text);
		return 0;
	});
	return overhead + (await newTokenCounter().countEach(texts, nextTurn));
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

type TextCounter = (text: string) => number;

/** Walks an OpenAI request body's prompt, counting its text with `count` and its other parts flat. */
function walkPrompt(body: unknown, count: TextCounter): number {
	if (!isRecord(body)) return 0;
	if ('messages' in body) return Array.isArray(body.messages) ? countChat(body.messages, body, count) : 0;
	if ('prompt' in body) return countInput(body.prompt, count);
	if ('input' in body) return countInput(body.input, count);
	return 0;
}

function countChat(messages: readonly unknown[], body: Record<string, unknown>, count: TextCounter): number {
	let total = REPLY_PRIMING_TOKENS + countJson(body.tools, count) + countJson(body.functions, count);
	for (const message of messages) total += countMessage(message, count);
	return total;
}

function countMessage(message: unknown, count: TextCounter): number {
	if (!isRecord(message)) return 0;
	let total = TOKENS_PER_MESSAGE + countString(message.role, count) + countContent(message.content, count);
	if (typeof message.name === 'string') total += TOKENS_PER_NAME + count(message.name);
	// Earlier assistant turns' tool calls are replayed to the model as part of the prompt.
	total += countJson(message.tool_calls, count) + countJson(message.function_call, count) + countString(message.tool_call_id, count);
	return total;
}

function countContent(content: unknown, count: TextCounter): number {
	if (typeof content === 'string') return count(content);
	if (!Array.isArray(content)) return 0;
	let total = 0;
	for (const part of content) total += countPart(part, count);
	return total;
}

function countPart(part: unknown, count: TextCounter): number {
	if (!isRecord(part)) return 0;
	switch (part.type) {
		case 'text':
			return countString(part.text, count);
		case 'refusal':
			return countString(part.refusal, count);
		case 'image_url':
			return IMAGE_PART_TOKENS;
		case 'input_audio':
			return AUDIO_PART_TOKENS;
		default:
			return 0;
	}
}

/** `prompt` and `input`: a string, strings, a token array, or token arrays. */
function countInput(input: unknown, count: TextCounter): number {
	if (typeof input === 'string') return count(input);
	if (!Array.isArray(input)) return 0;
	let total = 0;
	for (const item of input) {
		if (typeof item === 'string') total += count(item);
		else if (typeof item === 'number') total += 1;
		else if (Array.isArray(item)) total += item.filter((token) => typeof token === 'number').length;
	}
	return total;
}

function countString(value: unknown, count: TextCounter): number {
	return typeof value === 'string' ? count(value) : 0;
}

/** Tool schemas reach the model as text; their JSON is a fair stand-in for that text. */
function countJson(value: unknown, count: TextCounter): number {
	if (value === undefined || value === null) return 0;
	try {
		return count(JSON.stringify(value) ?? '');
	} catch {
		// Only reachable with values JSON cannot hold (cycles, BigInt), never from a parsed body.
		return 0;
	}
}
