import type { BuildRequestInput, OutboundRequest } from '../types';
import { apiRoot, configOf, endpointUrl } from './config';
import { arrayOr, isObject, numberOr, objectOr, stringOr, type Json } from './json';
import { convertMessages } from './messages';
import { hasNoProperties, sanitizeSchema } from './schema';
import { thinkingConfig } from './thinking';

/** Gemini allows at most this many stop sequences. */
const MAX_STOP_SEQUENCES = 5;

/** A canonical chat request → Gemini's URL, headers and `GenerateContentRequest` (docs/providers/gemini.md, "Auth and endpoints", "Request mapping"). */
export function buildGeminiRequest({ channel, secret, body, upstreamModel, stream }: BuildRequestInput): OutboundRequest {
	const config = configOf(channel.config);
	const url = endpointUrl(apiRoot(channel.baseUrl, config), upstreamModel, stream);
	const headers: Record<string, string> = { 'content-type': 'application/json', accept: stream ? 'text/event-stream' : 'application/json' };
	// The key goes in a header, never in the URL, so it stays out of logs (docs/providers/gemini.md, "Auth and endpoints").
	if (config.vertex) headers.authorization = `Bearer ${secret}`;
	else headers['x-goog-api-key'] = secret;
	return { url, headers, body: JSON.stringify(toGenerateContent(body, upstreamModel)) };
}

export function toGenerateContent(body: Json, upstreamModel: string): Json {
	const out: Json = convertMessages(body.messages, upstreamModel);
	const tools = functionDeclarations(body.tools);
	if (tools.length > 0) out.tools = [{ functionDeclarations: tools }];
	const toolConfig = toolConfigOf(body.tool_choice);
	// Without declarations there is nothing to configure (tool_choice "none" included).
	if (toolConfig && tools.length > 0) out.toolConfig = toolConfig;
	const generationConfig = generationConfigOf(body, upstreamModel);
	if (Object.keys(generationConfig).length > 0) out.generationConfig = generationConfig;
	return out;
}

function functionDeclarations(tools: unknown): Json[] {
	const out: Json[] = [];
	for (const tool of arrayOr(tools)) {
		if (!isObject(tool) || (tool.type !== undefined && tool.type !== 'function')) continue;
		const fn = objectOr(tool.function);
		if (typeof fn.name !== 'string') continue;
		const declaration: Json = { name: fn.name };
		if (typeof fn.description === 'string' && fn.description) declaration.description = fn.description;
		// A no-argument function has no parameters at all: an OBJECT without properties is a 400.
		const parameters = sanitizeSchema(fn.parameters);
		if (!hasNoProperties(parameters)) declaration.parameters = parameters;
		out.push(declaration);
	}
	return out;
}

function toolConfigOf(choice: unknown): { functionCallingConfig: { mode: string; allowedFunctionNames?: string[] } } | undefined {
	if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
	if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
	if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
	const name = objectOr(objectOr(choice).function).name;
	if (typeof name === 'string') return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [name] } };
	return undefined;
}

function generationConfigOf(body: Json, model: string): Json {
	const config: Json = {};
	const maxTokens = numberOr(body.max_completion_tokens) ?? numberOr(body.max_tokens);
	if (maxTokens !== undefined) config.maxOutputTokens = maxTokens;
	const copies: Array<[string, string]> = [
		['temperature', 'temperature'],
		['top_p', 'topP'],
		['top_k', 'topK'],
		['seed', 'seed'],
		['n', 'candidateCount'],
		['presence_penalty', 'presencePenalty'],
		['frequency_penalty', 'frequencyPenalty']
	];
	for (const [from, to] of copies) {
		const value = numberOr(body[from]);
		if (value !== undefined) config[to] = value;
	}
	const stop = typeof body.stop === 'string' ? [body.stop] : arrayOr(body.stop).filter((s): s is string => typeof s === 'string');
	if (stop.length > 0) config.stopSequences = stop.slice(0, MAX_STOP_SEQUENCES);
	if (body.logprobs === true) {
		config.responseLogprobs = true;
		const top = numberOr(body.top_logprobs);
		if (top !== undefined) config.logprobs = top;
	}
	const modalities = arrayOr(body.modalities).filter((m): m is string => typeof m === 'string');
	if (modalities.length > 0) config.responseModalities = modalities.map((m) => m.toUpperCase());
	const format = objectOr(body.response_format);
	if (format.type === 'json_object' || format.type === 'json_schema') config.responseMimeType = 'application/json';
	if (format.type === 'json_schema') {
		const schema = objectOr(format.json_schema).schema;
		if (isObject(schema)) config.responseSchema = sanitizeSchema(schema);
	}
	const thinking = thinkingConfig(body, model, maxTokens);
	if (thinking) config.thinkingConfig = thinking;
	return config;
}

/** Used by the channel test: the smallest request that proves the key and model work. */
export function geminiTestBody(model: string): Json {
	return { model, messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 };
}

