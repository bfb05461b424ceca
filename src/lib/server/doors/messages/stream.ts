import type { ChatChunk, ChatUsage, ThinkingBlock, ToolCallDelta } from '../../protocol/canonical';
import { isCompleteJson, sseEvent } from '../shared';
import type { DoorError, RenderContext, StreamRenderer } from '../../protocol/door';
import { anthropicErrorBody } from './errors';
import { anthropicUsageOf, messageId, stopReasonOf, type StopReason } from './response';

/*
 * Canonical chunks → Anthropic SSE (docs/doors/messages.md, "Stream events"). Anthropic content blocks are strictly
 * sequential (start, deltas, stop, next index), while OpenAI deltas may switch between
 * reasoning, text and several tool calls at will. The renderer keeps one open block and
 * closes it before opening another.
 *
 * Tool calls: a call streams live while its block is open. When a second call starts before
 * the open call's arguments form complete JSON, the stream may be interleaving calls, so the
 * newcomer is held back (arguments buffered) and emitted as a whole block once the open call
 * completes or the message finishes. Sequential calls (the usual case) all stream live.
 */

interface Call {
	id: string;
	name: string;
	args: string;
	/** 'pending' = not opened yet (buffered); 'open' = the current block; 'closed' = done. */
	phase: 'pending' | 'open' | 'closed';
}

type Open = { kind: 'text' | 'thinking'; index: number } | { kind: 'tool'; index: number; call: Call };

export function createMessagesStreamRenderer(ctx: RenderContext): StreamRenderer {
	let started = false;
	let nextIndex = 0;
	let open: Open | undefined;
	const calls = new Map<number, Call>();
	let stopReason: StopReason | undefined;
	let usage: ChatUsage | undefined;
	let ended = false;

	function start(): string {
		if (started) return '';
		started = true;
		return sseEvent('message_start', {
			type: 'message_start',
			message: {
				id: messageId(ctx),
				type: 'message',
				role: 'assistant',
				model: ctx.publicModel,
				content: [],
				stop_reason: null,
				stop_sequence: null,
				// Canonical streams report usage only at the end: the real numbers go in message_delta.
				usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
			}
		});
	}

	function close(): string {
		if (!open) return '';
		const index = open.index;
		if (open.kind === 'tool') open.call.phase = 'closed';
		open = undefined;
		return sseEvent('content_block_stop', { type: 'content_block_stop', index });
	}

	function openBlock(kind: 'text' | 'thinking', contentBlock: Record<string, unknown>): string {
		if (open?.kind === kind) return '';
		let out = close();
		const index = nextIndex++;
		open = { kind, index };
		out += sseEvent('content_block_start', { type: 'content_block_start', index, content_block: contentBlock });
		return out;
	}

	function delta(index: number, d: Record<string, unknown>): string {
		return sseEvent('content_block_delta', { type: 'content_block_delta', index, delta: d });
	}

	function openCall(call: Call): string {
		let out = close();
		const index = nextIndex++;
		open = { kind: 'tool', index, call };
		call.phase = 'open';
		out += sseEvent('content_block_start', {
			type: 'content_block_start',
			index,
			content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} }
		});
		if (call.args) out += delta(index, { type: 'input_json_delta', partial_json: call.args });
		return out;
	}

	/** The held-back calls, in arrival order, each as a whole block. */
	function flushPending(): string {
		let out = '';
		for (const call of calls.values()) {
			if (call.phase === 'pending') out += openCall(call) + close();
		}
		return out;
	}

	function thinkingBlocks(blocks: ThinkingBlock[]): string {
		let out = '';
		for (const b of blocks) {
			if (b.type === 'redacted_thinking') {
				out += close();
				const index = nextIndex++;
				out += sseEvent('content_block_start', { type: 'content_block_start', index, content_block: { type: 'redacted_thinking', data: b.data } });
				out += sseEvent('content_block_stop', { type: 'content_block_stop', index });
				continue;
			}
			// A signature completes the thinking block it belongs to: the open one, or one carried whole.
			if (open?.kind !== 'thinking') {
				out += openBlock('thinking', { type: 'thinking', thinking: '', signature: '' });
				if (b.thinking) out += delta(open!.index, { type: 'thinking_delta', thinking: b.thinking });
			}
			if (b.signature) out += delta(open!.index, { type: 'signature_delta', signature: b.signature });
			out += close();
		}
		return out;
	}

	function toolCall(tc: ToolCallDelta): string {
		let call = calls.get(tc.index);
		const fragment = tc.function?.arguments ?? '';
		if (!call) {
			call = { id: tc.id ?? `toolu_${calls.size}`, name: tc.function?.name ?? '', args: fragment, phase: 'pending' };
			calls.set(tc.index, call);
			const busy = open?.kind === 'tool' && !isCompleteJson(open.call.args);
			return busy ? '' : openCall(call) + advance();
		}
		if (!fragment) return '';
		call.args += fragment;
		if (call.phase !== 'open') return ''; // held back (or, past its block, lost: see the header)
		return delta(open!.index, { type: 'input_json_delta', partial_json: fragment }) + advance();
	}

	/** While the open call's arguments are complete, the next held-back call takes its place (live). */
	function advance(): string {
		let out = '';
		while (open?.kind === 'tool' && isCompleteJson(open.call.args)) {
			const next = [...calls.values()].find((c) => c.phase === 'pending');
			if (!next) break;
			out += openCall(next);
		}
		return out;
	}

	function finish(): string {
		return close() + flushPending();
	}

	function messageDelta(): string {
		const u = anthropicUsageOf(usage);
		return (
			sseEvent('message_delta', {
				type: 'message_delta',
				delta: { stop_reason: stopReason ?? 'end_turn', stop_sequence: null },
				usage: u
			}) + sseEvent('message_stop', { type: 'message_stop' })
		);
	}

	return {
		push(chunk) {
			if (ended) return '';
			let out = start();
			if (chunk.usage) usage = chunk.usage;
			const choice = chunk.choices.find((c) => c.index === 0);
			if (!choice) return out;
			const d = choice.delta;
			if (d.reasoning_content) {
				out += openBlock('thinking', { type: 'thinking', thinking: '', signature: '' });
				out += delta(open!.index, { type: 'thinking_delta', thinking: d.reasoning_content });
			}
			if (d.thinking_blocks?.length) out += thinkingBlocks(d.thinking_blocks);
			const text = (d.content ?? '') + (d.refusal ?? '');
			if (text) {
				out += openBlock('text', { type: 'text', text: '' });
				out += delta(open!.index, { type: 'text_delta', text });
			}
			for (const tc of d.tool_calls ?? []) out += toolCall(tc);
			if (choice.finish_reason) {
				stopReason = stopReasonOf(choice.finish_reason);
				out += finish();
			}
			return out;
		},
		end(finalUsage) {
			if (ended) return '';
			ended = true;
			if (finalUsage) usage = finalUsage;
			return start() + finish() + messageDelta();
		},
		error(err: DoorError) {
			if (ended) return '';
			ended = true;
			return sseEvent('error', anthropicErrorBody(err));
		}
	};
}
