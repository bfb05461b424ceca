import { UpstreamFormatError } from '../../protocol/errors';
import type { Door, FinishedResponse, NormalizedUsage } from '../types';
import { usageFromOpenAI } from './usage';


/** How a compatible vendor's answer differs from OpenAI's: its usage fields, text OpenAI's answers do not have. */
export interface OpenAIAnswerDialect {
	readUsage(usage: unknown): NormalizedUsage | undefined;
	/** Also count the messages' `reasoning_content` as produced text (DeepSeek's reasoner). */
	reasoningText: boolean;
}

const OPENAI_DIALECT: OpenAIAnswerDialect = { readUsage: usageFromOpenAI, reasoningText: false };

/** The upstream's JSON answer with the public model name put back, and its usage. */
export function finishOpenAIResponse(_door: Door, text: string, publicModel: string, dialect: OpenAIAnswerDialect = OPENAI_DIALECT): FinishedResponse {
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		throw new UpstreamFormatError('The upstream answered with something that is not JSON');
	}
	if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
		throw new UpstreamFormatError('The upstream answered with an unexpected JSON value');
	}
	const obj = parsed as Record<string, unknown>;
	return { body: withModel(text, obj, publicModel), usage: dialect.readUsage(obj.usage), outputText: choicesText(obj.choices, dialect.reasoningText) };
}

/**
 * The body with the public model name. Most answers already carry it and go out as received;
 * otherwise the top-level "model" field is swapped in the text (it precedes "choices" in
 * every OpenAI-style answer), and only an unusual layout is re-serialised.
 */
function withModel(text: string, obj: Record<string, unknown>, publicModel: string): string {
	if (typeof obj.model !== 'string' || obj.model === publicModel) return text;
	const from = `"model":${JSON.stringify(obj.model)}`;
	const at = text.indexOf(from);
	const choices = text.indexOf('"choices"');
	if (at >= 0 && (choices < 0 || at < choices)) {
		return text.slice(0, at) + `"model":${JSON.stringify(publicModel)}` + text.slice(at + from.length);
	}
	return JSON.stringify({ ...obj, model: publicModel });
}

/** Text of chat messages (content, tool arguments) and legacy completions. */
function choicesText(choices: unknown, reasoningText: boolean): string {
	if (!Array.isArray(choices)) return '';
	let text = '';
	for (const choice of choices) {
		if (choice === null || typeof choice !== 'object') continue;
		const c = choice as Record<string, unknown>;
		if (typeof c.text === 'string') text += c.text;
		const message = c.message;
		if (message === null || typeof message !== 'object') continue;
		const m = message as Record<string, unknown>;
		if (reasoningText && typeof m.reasoning_content === 'string') text += m.reasoning_content;
		if (typeof m.content === 'string') text += m.content;
		if (Array.isArray(m.tool_calls)) text += JSON.stringify(m.tool_calls);
	}
	return text;
}
