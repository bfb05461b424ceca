import { refusesSampling, type AnthropicVersion } from './config';
import { UpstreamRequestError } from './errors';
import { arr, num, rec, str, type Json } from './guards';
import { collectTurns, endsWithPrefill, finishTurns, lacksSignatures, withoutThinking } from './messages';
import { capabilitiesOf } from './models';
import { JSON_TOOL_NAME, toAnthropicName } from './names';

/**
 * A canonical chat request (the client's OpenAI body, read field by field) as an Anthropic
 * Messages body (docs/providers/anthropic.md, "Request mapping").
 */

/** When the client names no limit; Anthropic requires one. */
export const DEFAULT_MAX_TOKENS = 4096;

/** reasoning_effort → budget_tokens (our pick within the budget table of docs/providers/anthropic.md, "Request mapping"). */
const EFFORT_BUDGET: Record<string, number> = { minimal: 1024, low: 1024, medium: 2048, high: 4096, xhigh: 8192 };
/** reasoning_effort → output_config.effort for adaptive-thinking models. */
const ADAPTIVE_EFFORT: Record<string, string> = { minimal: 'low', low: 'low', medium: 'medium', high: 'high', xhigh: 'xhigh' };
const MIN_BUDGET = 1024;

const JSON_OBJECT_INSTRUCTION = 'Respond with a single JSON object only.';

type Thinking = { type: 'enabled'; budget: number } | { type: 'adaptive'; effort: string | undefined } | undefined;

type Structured = { kind: 'format'; schema: Json } | { kind: 'tool'; schema: Json; description: string } | { kind: 'instruction' } | undefined;

export function toAnthropicBody(req: Json, upstreamModel: string, stream: boolean, version: AnthropicVersion): Json {
	const n = num(req.n);
	if (n !== undefined && n > 1) throw new UpstreamRequestError('This model returns one choice per request; n must be 1.', 'n');
	const caps = capabilitiesOf(upstreamModel);
	const structured = structuredOutput(req.response_format, caps.outputFormat);
	const tools = toolsOf(req, structured);
	let toolChoice = toolChoiceOf(req, tools.length > 0, structured);

	const collected = collectTurns(req.messages);
	let thinking = thinkingOf(req, caps);
	// Thinking is refused with a forced tool and with a prefill, and without the signed blocks
	// of the last tool-calling turn; then the request goes without it (docs/providers/anthropic.md, "Request mapping", case c).
	const forced = toolChoice?.type === 'any' || toolChoice?.type === 'tool';
	if (thinking && (forced || endsWithPrefill(collected.turns) || lacksSignatures(collected.turns))) thinking = undefined;

	const requested = positiveInt(req.max_completion_tokens) ?? positiveInt(req.max_tokens);
	const maxTokens = requested ?? DEFAULT_MAX_TOKENS;
	// OpenAI's limit counts reasoning, and it is what the call's reservation covers: the budget
	// goes inside it (Anthropic wants it below max_tokens), or thinking is off when it cannot fit.
	if (thinking?.type === 'enabled' && thinking.budget >= maxTokens) {
		const fitted = Math.floor(maxTokens / 2);
		thinking = fitted >= MIN_BUDGET ? { type: 'enabled', budget: fitted } : undefined;
	}
	const turns = finishTurns(thinking ? collected.turns : withoutThinking(collected.turns));

	const body: Json = { model: upstreamModel, max_tokens: maxTokens };
	const system = systemOf(collected.system, structured?.kind === 'instruction');
	if (system !== undefined) body.system = system;
	body.messages = turns;
	if (tools.length) body.tools = tools;
	if (toolChoice && tools.length) {
		if (req.parallel_tool_calls === false && toolChoice.type !== 'none') toolChoice = { ...toolChoice, disable_parallel_tool_use: true };
		body.tool_choice = toolChoice;
	}
	const outputConfig: Json = {};
	if (thinking?.type === 'enabled') body.thinking = { type: 'enabled', budget_tokens: thinking.budget };
	if (thinking?.type === 'adaptive') {
		body.thinking = { type: 'adaptive' };
		if (thinking.effort) outputConfig.effort = thinking.effort;
	}
	if (structured?.kind === 'format') outputConfig.format = { type: 'json_schema', schema: structured.schema };
	if (Object.keys(outputConfig).length) body.output_config = outputConfig;
	if (!refusesSampling(version)) Object.assign(body, samplingOf(req, thinking !== undefined));
	const stop = stopSequences(req.stop);
	if (stop.length) body.stop_sequences = stop;
	const user = str(req.user);
	if (user) body.metadata = { user_id: user };
	if (stream) body.stream = true;
	return body;
}

function positiveInt(value: unknown): number | undefined {
	const n = num(value);
	return n !== undefined && n >= 1 ? Math.floor(n) : undefined;
}

function thinkingOf(req: Json, caps: ReturnType<typeof capabilitiesOf>): Thinking {
	if (!caps.thinking) return undefined;
	const budget = num(req.thinking_budget);
	const effort = str(req.reasoning_effort);
	if (budget !== undefined ? budget <= 0 : !effort || effort === 'none' || !(effort in EFFORT_BUDGET)) return undefined;
	if (caps.adaptiveThinking) {
		// An explicit budget on a model that only takes an effort: the nearest bucket (the table of docs/doors/messages.md, "Request to canonical", reversed).
		const fromBudget = budget === undefined ? undefined : budget <= 1024 ? 'low' : budget <= 8192 ? 'medium' : 'high';
		return { type: 'adaptive', effort: fromBudget ?? ADAPTIVE_EFFORT[effort!] };
	}
	return { type: 'enabled', budget: Math.max(MIN_BUDGET, Math.floor(budget ?? EFFORT_BUDGET[effort!]!)) };
}

function structuredOutput(format: unknown, outputFormat: boolean): Structured {
	const f = rec(format);
	if (f?.type === 'json_object') return { kind: 'instruction' };
	if (f?.type !== 'json_schema') return undefined;
	const spec = rec(f.json_schema);
	const schema = rec(spec?.schema);
	if (!schema) return { kind: 'instruction' };
	if (outputFormat) return { kind: 'format', schema };
	return { kind: 'tool', schema: objectSchema(schema), description: str(spec?.description) ?? 'Give the answer as this tool’s input.' };
}

/** Anthropic's input_schema must be an object schema at the root. */
function objectSchema(schema: Json | undefined): Json {
	if (!schema) return { type: 'object', properties: {} };
	return schema.type === 'object' ? schema : { ...schema, type: 'object' };
}

/** Client function tools (or legacy `functions`), plus the forced JSON tool. */
function toolsOf(req: Json, structured: Structured): Json[] {
	const defs: Json[] = [];
	for (const item of arr(req.tools)) {
		const tool = rec(item);
		const fn = rec(tool?.function);
		if (tool?.type === 'function' && fn) defs.push({ ...fn, cache_control: tool.cache_control });
	}
	if (defs.length === 0) {
		for (const item of arr(req.functions)) {
			const fn = rec(item);
			if (fn) defs.push(fn);
		}
	}
	const tools: Json[] = [];
	for (const fn of defs) {
		const out: Json = { name: toAnthropicName(str(fn.name) ?? '') };
		const description = str(fn.description);
		if (description) out.description = description;
		out.input_schema = objectSchema(rec(fn.parameters));
		if (fn.strict === true) out.strict = true;
		const cc = rec(fn.cache_control);
		if (cc?.type === 'ephemeral') out.cache_control = str(cc.ttl) ? { type: 'ephemeral', ttl: cc.ttl } : { type: 'ephemeral' };
		tools.push(out);
	}
	if (structured?.kind === 'tool') tools.push({ name: JSON_TOOL_NAME, description: structured.description, input_schema: structured.schema });
	return tools;
}

function toolChoiceOf(req: Json, hasTools: boolean, structured: Structured): Json | undefined {
	if (structured?.kind === 'tool') return { type: 'tool', name: JSON_TOOL_NAME };
	if (!hasTools) return undefined;
	const choice = req.tool_choice ?? legacyChoice(req.function_call);
	if (choice === 'auto') return { type: 'auto' };
	if (choice === 'required') return { type: 'any' };
	if (choice === 'none') return { type: 'none' };
	const name = str(rec(rec(choice)?.function)?.name) ?? str(rec(choice)?.name);
	if (name !== undefined) return { type: 'tool', name: toAnthropicName(name) };
	return req.parallel_tool_calls === false ? { type: 'auto' } : undefined;
}

function legacyChoice(functionCall: unknown): unknown {
	if (functionCall === 'auto' || functionCall === 'none') return functionCall;
	const name = str(rec(functionCall)?.name);
	return name !== undefined ? { type: 'function', function: { name } } : undefined;
}

/** One string when nothing is cached, else the block form that can carry cache_control. */
function systemOf(parts: Json[], jsonInstruction: boolean): string | Json[] | undefined {
	const blocks = jsonInstruction ? [...parts, { type: 'text', text: JSON_OBJECT_INSTRUCTION }] : parts;
	if (blocks.length === 0) return undefined;
	if (blocks.some((b) => b.cache_control)) return blocks;
	return blocks.map((b) => String(b.text)).join('\n\n');
}

/**
 * temperature (clamped to Anthropic's 0–1), top_p, top_k. Newer models refuse temperature and
 * top_p together (temperature wins); with thinking on, temperature must stay unset, top_k is
 * refused and top_p must be at least 0.95.
 */
function samplingOf(req: Json, thinking: boolean): Json {
	const out: Json = {};
	const temperature = num(req.temperature);
	const topP = num(req.top_p);
	const topK = num(req.top_k);
	if (thinking) {
		if (topP !== undefined && topP >= 0.95) out.top_p = Math.min(1, topP);
		return out;
	}
	if (temperature !== undefined) out.temperature = Math.min(1, Math.max(0, temperature));
	else if (topP !== undefined) out.top_p = Math.min(1, Math.max(0, topP));
	if (topK !== undefined && topK >= 1) out.top_k = Math.floor(topK);
	return out;
}

/** `stop` as stop_sequences; Anthropic refuses whitespace-only sequences. */
function stopSequences(stop: unknown): string[] {
	const list = typeof stop === 'string' ? [stop] : arr(stop).filter((s): s is string => typeof s === 'string');
	return list.filter((s) => s.trim() !== '');
}
