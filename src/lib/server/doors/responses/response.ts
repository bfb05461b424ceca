import type { ChatCompletion, ChatUsage, FinishReason } from '../../protocol/canonical';
import { idPart, isRecord } from '../shared';
import type { RenderContext } from '../../protocol/door';
import { customToolNames } from './request';

/*
 * Canonical chat.completion → Responses `response` object (docs/doors/responses.md, "Canonical to response"). The same
 * builders serve the stream's lifecycle events (stream.ts).
 */

export type OutputItem =
	| { type: 'reasoning'; id: string; summary: Array<{ type: 'summary_text'; text: string }> }
	| {
			type: 'message';
			id: string;
			status: 'in_progress' | 'completed' | 'incomplete';
			role: 'assistant';
			content: Array<{ type: 'output_text'; text: string; annotations: []; logprobs: [] } | { type: 'refusal'; refusal: string }>;
	  }
	| { type: 'function_call'; id: string; call_id: string; name: string; arguments: string; status: 'in_progress' | 'completed' }
	| { type: 'custom_tool_call'; id: string; call_id: string; name: string; input: string };

export interface ResponsesUsage {
	input_tokens: number;
	input_tokens_details: { cached_tokens: number };
	output_tokens: number;
	output_tokens_details: { reasoning_tokens: number };
	total_tokens: number;
}

/** Responses usage: input_tokens include cached (and cache-written) tokens, like prompt_tokens. */
export function responsesUsageOf(usage: ChatUsage | null | undefined): ResponsesUsage | null {
	if (!usage) return null;
	return {
		input_tokens: usage.prompt_tokens,
		input_tokens_details: { cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? usage.cache_read_input_tokens ?? 0 },
		output_tokens: usage.completion_tokens,
		output_tokens_details: { reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens ?? 0 },
		total_tokens: usage.prompt_tokens + usage.completion_tokens
	};
}

export interface Ids {
	response: string;
	message: string;
	reasoning: string;
	call(n: number): string;
}

export function idsFor(ctx: RenderContext): Ids {
	const id = idPart(ctx.requestId);
	return { response: `resp_${id}`, message: `msg_${id}`, reasoning: `rs_${id}`, call: (n) => `fc_${id}_${n}` };
}

export type Status = 'in_progress' | 'completed' | 'incomplete' | 'failed';

export function statusOf(finish: FinishReason | null | undefined): { status: Status; incomplete_details: { reason: string } | null } {
	if (finish === 'length') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
	if (finish === 'content_filter') return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
	return { status: 'completed', incomplete_details: null };
}

/** A call's item: custom tools (Codex's apply_patch) go back as custom_tool_call with the raw input. */
export function callItem(ctx: RenderContext, id: string, callId: string, name: string, args: string): OutputItem {
	if (customToolNames(ctx.request).has(name)) return { type: 'custom_tool_call', id: id.replace(/^fc_/, 'ctc_'), call_id: callId, name, input: customInput(args) };
	return { type: 'function_call', id, call_id: callId, name, arguments: args || '{}', status: 'completed' };
}

/** The `input` string of a custom tool's arguments (the raw text when the model sent something else). */
export function customInput(args: string): string {
	try {
		const parsed: unknown = JSON.parse(args);
		if (isRecord(parsed) && typeof parsed.input === 'string') return parsed.input;
	} catch {
		// not JSON: the model sent the input bare
	}
	return args;
}

/** The whole response object, with the request's settings echoed (Codex and the SDKs read them). */
export function responseObject(
	ctx: RenderContext,
	created: number,
	state: { status: Status; incomplete_details: { reason: string } | null; output: OutputItem[]; usage: ResponsesUsage | null; error?: { code: string; message: string } | null }
): Record<string, unknown> {
	const r = ctx.request;
	const reasoning = isRecord(r.reasoning) ? r.reasoning : {};
	return {
		id: idsFor(ctx).response,
		object: 'response',
		created_at: created,
		status: state.status,
		background: false,
		error: state.error ?? null,
		incomplete_details: state.incomplete_details,
		instructions: r.instructions ?? null,
		max_output_tokens: r.max_output_tokens ?? null,
		max_tool_calls: r.max_tool_calls ?? null,
		model: ctx.publicModel,
		output: state.output,
		parallel_tool_calls: r.parallel_tool_calls ?? true,
		previous_response_id: null,
		prompt_cache_key: r.prompt_cache_key ?? null,
		reasoning: { effort: reasoning.effort ?? null, summary: reasoning.summary ?? null },
		safety_identifier: r.safety_identifier ?? null,
		service_tier: 'default',
		// Nothing is stored, whatever the client asked.
		store: false,
		temperature: r.temperature ?? 1,
		text: isRecord(r.text) ? r.text : { format: { type: 'text' } },
		tool_choice: r.tool_choice ?? 'auto',
		tools: Array.isArray(r.tools) ? r.tools : [],
		top_logprobs: r.top_logprobs ?? 0,
		top_p: r.top_p ?? 1,
		truncation: r.truncation ?? 'disabled',
		usage: state.usage,
		user: r.user ?? null,
		metadata: isRecord(r.metadata) ? r.metadata : {}
	};
}

export function renderResponse(completion: ChatCompletion, ctx: RenderContext): string {
	const ids = idsFor(ctx);
	const choice = completion.choices[0];
	const msg = choice?.message;
	const { status, incomplete_details } = statusOf(choice?.finish_reason);
	const output: OutputItem[] = [];
	if (msg?.reasoning_content) output.push({ type: 'reasoning', id: ids.reasoning, summary: [{ type: 'summary_text', text: msg.reasoning_content }] });
	if (msg?.content || msg?.refusal) {
		output.push({
			type: 'message',
			id: ids.message,
			status: status === 'completed' ? 'completed' : 'incomplete',
			role: 'assistant',
			content: msg.content ? [{ type: 'output_text', text: msg.content, annotations: [], logprobs: [] }] : [{ type: 'refusal', refusal: msg.refusal ?? '' }]
		});
	}
	(msg?.tool_calls ?? []).forEach((call, n) => output.push(callItem(ctx, ids.call(n), call.id, call.function.name, call.function.arguments)));
	return JSON.stringify(responseObject(ctx, completion.created, { status, incomplete_details, output, usage: responsesUsageOf(completion.usage) }));
}
