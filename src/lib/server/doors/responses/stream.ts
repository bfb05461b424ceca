import type { ChatChunk, ChatUsage, FinishReason } from '../../protocol/canonical';
import { sseEvent } from '../shared';
import type { DoorError, RenderContext, StreamRenderer } from '../../protocol/door';
import { customToolNames } from './request';
import { callItem, idsFor, responseObject, responsesUsageOf, statusOf, type OutputItem } from './response';

/*
 * Canonical chunks → Responses SSE (docs/doors/responses.md, "Stream events"). Every event carries `type` and a
 * `sequence_number` counting from 0; the stream ends with response.completed /
 * response.incomplete (no [DONE]). Reasoning and message items are sequential (one open at
 * a time, closed before a function-call item opens); function-call items are addressed by
 * output_index and item_id, so several may stay open and take interleaved argument deltas.
 */

interface TextItem {
	kind: 'message' | 'reasoning';
	outputIndex: number;
	id: string;
	text: string;
}

interface CallItem {
	outputIndex: number;
	id: string;
	callId: string;
	name: string;
	args: string;
	custom: boolean;
	open: boolean;
}

export function createResponsesStreamRenderer(ctx: RenderContext): StreamRenderer {
	const ids = idsFor(ctx);
	const custom = customToolNames(ctx.request);
	let seq = 0;
	let created: number | undefined;
	const output: OutputItem[] = [];
	let text: TextItem | undefined;
	let messages = 0;
	let reasonings = 0;
	const calls = new Map<number, CallItem>();
	let finish: FinishReason | null = null;
	let usage: ChatUsage | undefined;
	let ended = false;

	function ev(type: string, fields: Record<string, unknown>): string {
		return sseEvent(type, { type, sequence_number: seq++, ...fields });
	}

	function start(at: number): string {
		if (created !== undefined) return '';
		created = at;
		const response = responseObject(ctx, created, { status: 'in_progress', incomplete_details: null, output: [], usage: null });
		return ev('response.created', { response }) + ev('response.in_progress', { response });
	}

	function openText(kind: TextItem['kind']): string {
		if (text?.kind === kind) return '';
		let out = closeText();
		const n = kind === 'message' ? messages++ : reasonings++;
		const base = kind === 'message' ? ids.message : ids.reasoning;
		const item: TextItem = { kind, outputIndex: output.length, id: n ? `${base}_${n}` : base, text: '' };
		text = item;
		if (kind === 'message') {
			const added: OutputItem = { type: 'message', id: item.id, status: 'in_progress', role: 'assistant', content: [] };
			output.push(added);
			out += ev('response.output_item.added', { output_index: item.outputIndex, item: added });
			out += ev('response.content_part.added', { item_id: item.id, output_index: item.outputIndex, content_index: 0, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } });
		} else {
			const added: OutputItem = { type: 'reasoning', id: item.id, summary: [] };
			output.push(added);
			out += ev('response.output_item.added', { output_index: item.outputIndex, item: added });
			out += ev('response.reasoning_summary_part.added', { item_id: item.id, output_index: item.outputIndex, summary_index: 0, part: { type: 'summary_text', text: '' } });
		}
		return out;
	}

	function textDelta(delta: string): string {
		const t = text!;
		t.text += delta;
		return t.kind === 'message'
			? ev('response.output_text.delta', { item_id: t.id, output_index: t.outputIndex, content_index: 0, delta, logprobs: [] })
			: ev('response.reasoning_summary_text.delta', { item_id: t.id, output_index: t.outputIndex, summary_index: 0, delta });
	}

	function closeText(): string {
		const t = text;
		if (!t) return '';
		text = undefined;
		const where = { item_id: t.id, output_index: t.outputIndex };
		if (t.kind === 'message') {
			const part = { type: 'output_text' as const, text: t.text, annotations: [] as [], logprobs: [] as [] };
			const item: OutputItem = { type: 'message', id: t.id, status: finish === 'length' || finish === 'content_filter' ? 'incomplete' : 'completed', role: 'assistant', content: [part] };
			output[t.outputIndex] = item;
			return (
				ev('response.output_text.done', { ...where, content_index: 0, text: t.text, logprobs: [] }) +
				ev('response.content_part.done', { ...where, content_index: 0, part }) +
				ev('response.output_item.done', { output_index: t.outputIndex, item })
			);
		}
		const part = { type: 'summary_text' as const, text: t.text };
		const item: OutputItem = { type: 'reasoning', id: t.id, summary: [part] };
		output[t.outputIndex] = item;
		return (
			ev('response.reasoning_summary_text.done', { ...where, summary_index: 0, text: t.text }) +
			ev('response.reasoning_summary_part.done', { ...where, summary_index: 0, part }) +
			ev('response.output_item.done', { output_index: t.outputIndex, item })
		);
	}

	function toolCall(index: number, id: string | undefined, name: string | undefined, fragment: string): string {
		let out = '';
		let call = calls.get(index);
		if (!call) {
			out += closeText();
			const n = calls.size;
			const callName = name ?? '';
			call = { outputIndex: output.length, id: ids.call(n), callId: id ?? `call_${n}`, name: callName, args: '', custom: custom.has(callName), open: true };
			if (call.custom) call.id = call.id.replace(/^fc_/, 'ctc_');
			calls.set(index, call);
			const added: OutputItem = call.custom
				? { type: 'custom_tool_call', id: call.id, call_id: call.callId, name: call.name, input: '' }
				: { type: 'function_call', id: call.id, call_id: call.callId, name: call.name, arguments: '', status: 'in_progress' };
			output.push(added);
			out += ev('response.output_item.added', { output_index: call.outputIndex, item: added });
		}
		if (!fragment || !call.open) return out;
		call.args += fragment;
		// A custom tool's input is the `input` string inside the JSON arguments: sent whole when the call closes.
		if (!call.custom) out += ev('response.function_call_arguments.delta', { item_id: call.id, output_index: call.outputIndex, delta: fragment });
		return out;
	}

	function closeCalls(): string {
		let out = '';
		for (const call of calls.values()) {
			if (!call.open) continue;
			call.open = false;
			const item = callItem(ctx, call.id, call.callId, call.name, call.args);
			output[call.outputIndex] = item;
			const where = { item_id: call.id, output_index: call.outputIndex };
			if (item.type === 'custom_tool_call') {
				if (item.input) out += ev('response.custom_tool_call_input.delta', { ...where, delta: item.input });
				out += ev('response.custom_tool_call_input.done', { ...where, input: item.input });
			} else if (item.type === 'function_call') {
				out += ev('response.function_call_arguments.done', { ...where, arguments: item.arguments });
			}
			out += ev('response.output_item.done', { output_index: call.outputIndex, item });
		}
		return out;
	}

	const nowSeconds = () => Math.floor(Date.now() / 1000);

	return {
		push(chunk: ChatChunk) {
			if (ended) return '';
			let out = start(chunk.created || nowSeconds());
			if (chunk.usage) usage = chunk.usage;
			const choice = chunk.choices.find((c) => c.index === 0);
			if (!choice) return out;
			const d = choice.delta;
			if (d.reasoning_content) out += openText('reasoning') + textDelta(d.reasoning_content);
			const content = (d.content ?? '') + (d.refusal ?? '');
			if (content) out += openText('message') + textDelta(content);
			for (const tc of d.tool_calls ?? []) out += toolCall(tc.index, tc.id, tc.function?.name, tc.function?.arguments ?? '');
			if (choice.finish_reason) {
				finish = choice.finish_reason;
				out += closeText() + closeCalls();
			}
			return out;
		},
		end(finalUsage) {
			if (ended) return '';
			ended = true;
			if (finalUsage) usage = finalUsage;
			let out = start(nowSeconds()) + closeText() + closeCalls();
			const { status, incomplete_details } = statusOf(finish);
			const response = responseObject(ctx, created!, { status, incomplete_details, output, usage: responsesUsageOf(usage) });
			out += ev(status === 'completed' ? 'response.completed' : 'response.incomplete', { response });
			return out;
		},
		error(err: DoorError) {
			if (ended) return '';
			ended = true;
			const code = err.code ?? (err.status === 429 ? 'rate_limit_exceeded' : 'server_error');
			const response = responseObject(ctx, created ?? nowSeconds(), {
				status: 'failed',
				incomplete_details: null,
				output,
				usage: responsesUsageOf(usage),
				error: { code, message: err.message }
			});
			// response.failed completes the response's lifecycle; the error event makes the SDKs raise.
			return start(nowSeconds()) + ev('response.failed', { response }) + ev('error', { code, message: err.message, param: err.param });
		}
	};
}
