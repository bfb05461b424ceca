import type { ChatChunk, ChunkDelta, FinishReason } from '../../protocol/canonical';
import { ChatSseTranslator } from '../../protocol/chat-sse';
import type { ChunkTranslator, StreamTranslator } from '../../protocol/types';
import { createSseTranslator, type SseEventContext, type SseEventMapping } from '../kit/sse-translator';
import type { StreamOptions } from '../types';
import { chatUsageOf } from '../usage';
import { finishReasonOf } from './finish';
import { rec, str, type Json } from './guards';
import { fromAnthropicName, JSON_TOOL_NAME } from './names';
import { anthropicEvent, streamErrorMessage } from './sse';
import { mergeStreamUsage, usageFromAnthropic } from './usage';

/** What an open content block turns into. */
type Block =
	| { kind: 'text' }
	| { kind: 'thinking'; text: string; signature: string }
	| { kind: 'tool'; ordinal: number; sawArgs: boolean }
	/** The forced JSON-mode tool: its input is the answer's content. */
	| { kind: 'json'; sawArgs: boolean }
	| { kind: 'other' };

/**
 * Anthropic Messages SSE → OpenAI `chat.completion.chunk` SSE (docs/providers/anthropic.md, "Streaming"; docs/protocol.md, "Chunk").
 * A state machine fed one event at a time: the role chunk on message_start (which commits the
 * stream), content / reasoning / tool-call fragments per block, one finish chunk on
 * message_delta, then on message_stop the usage chunk (when the client asked) and [DONE].
 * Tool-call indexes count tool_use blocks only, not Anthropic's block indexes.
 */
export function createAnthropicChunkTranslator({ publicModel, clientWantsUsage }: StreamOptions): ChunkTranslator {
	return createSseTranslator((ctx) => anthropicEvents(ctx, publicModel, clientWantsUsage));
}

/** The chat door's stream: the chunks as OpenAI chat SSE. */
export function createAnthropicStreamTranslator(options: StreamOptions): StreamTranslator {
	return new ChatSseTranslator(createAnthropicChunkTranslator(options));
}

function anthropicEvents(ctx: SseEventContext, publicModel: string, clientWantsUsage: boolean): SseEventMapping {
	let id = '';
	const created = Math.floor(Date.now() / 1000);
	const blocks = new Map<number, Block>();
	let tools = 0;
	let jsonTool = false;
	let finished = false;
	let stopReason: unknown;

	const emit = (delta: ChunkDelta, finish: FinishReason | null = null) => {
		ctx.emit({ id, object: 'chat.completion.chunk', created, model: publicModel, choices: [{ index: 0, delta, finish_reason: finish }] });
	};
	const finish = () => {
		if (finished) return;
		finished = true;
		emit({}, finishReasonOf(stopReason, jsonTool));
	};

	function onStart(data: Json): void {
		const message = rec(data.message);
		id = str(message?.id) || `chatcmpl-${crypto.randomUUID()}`;
		ctx.setUsage(usageFromAnthropic(message?.usage));
		ctx.commit();
		emit({ role: 'assistant', content: '' });
	}

	function onBlockStart(index: number, block: Json): void {
		switch (block.type) {
			case 'text': {
				blocks.set(index, { kind: 'text' });
				const initial = str(block.text);
				if (initial) onText(initial);
				return;
			}
			case 'thinking': {
				const initial = str(block.thinking) ?? '';
				blocks.set(index, { kind: 'thinking', text: initial, signature: str(block.signature) ?? '' });
				if (initial) onReasoning(initial);
				return;
			}
			case 'redacted_thinking':
				blocks.set(index, { kind: 'other' });
				emit({ thinking_blocks: [{ type: 'redacted_thinking', data: str(block.data) ?? '' }] });
				return;
			case 'tool_use': {
				const name = str(block.name) ?? '';
				if (name === JSON_TOOL_NAME) {
					jsonTool = true;
					blocks.set(index, { kind: 'json', sawArgs: false });
					return;
				}
				const ordinal = tools++;
				blocks.set(index, { kind: 'tool', ordinal, sawArgs: false });
				const clientName = fromAnthropicName(name);
				ctx.tally(clientName);
				// The `{}` in content_block_start's input is not sent: the arguments follow as deltas.
				emit({ tool_calls: [{ index: ordinal, id: str(block.id) ?? '', type: 'function', function: { name: clientName, arguments: '' } }] });
				return;
			}
			default:
				blocks.set(index, { kind: 'other' }); // server tools and their results have no chat form
		}
	}

	function onText(value: string): void {
		ctx.tally(value);
		emit({ content: value });
	}

	function onReasoning(value: string): void {
		ctx.tally(value);
		emit({ reasoning_content: value });
	}

	function onDelta(block: Block | undefined, delta: Json): void {
		if (!block) return;
		switch (delta.type) {
			case 'text_delta': {
				const value = str(delta.text);
				if (value && block.kind === 'text') onText(value);
				return;
			}
			case 'thinking_delta': {
				const value = str(delta.thinking);
				if (value && block.kind === 'thinking') {
					block.text += value;
					onReasoning(value);
				}
				return;
			}
			case 'signature_delta':
				if (block.kind === 'thinking') block.signature += str(delta.signature) ?? '';
				return;
			case 'input_json_delta': {
				const value = str(delta.partial_json);
				if (!value) return;
				if (block.kind === 'tool') {
					block.sawArgs = true;
					ctx.tally(value);
					emit({ tool_calls: [{ index: block.ordinal, function: { arguments: value } }] });
				} else if (block.kind === 'json') {
					block.sawArgs = true;
					onText(value);
				}
				return;
			}
			default:
				return; // citations_delta and future delta types
		}
	}

	function onBlockStop(block: Block | undefined): void {
		if (block?.kind === 'tool' && !block.sawArgs) emit({ tool_calls: [{ index: block.ordinal, function: { arguments: '{}' } }] });
		if (block?.kind === 'json' && !block.sawArgs) onText('{}');
		// The complete block, signature included, for clients that send thinking back (docs/protocol.md, "Extensions").
		if (block?.kind === 'thinking') emit({ thinking_blocks: [{ type: 'thinking', thinking: block.text, signature: block.signature }] });
	}

	function onStop(): void {
		finish();
		const usage = ctx.usage;
		if (clientWantsUsage && usage) {
			const chunk: ChatChunk = { id, object: 'chat.completion.chunk', created, model: publicModel, choices: [], usage: chatUsageOf(usage) };
			ctx.emit(chunk);
		}
		ctx.finish();
	}

	return {
		// Anthropic sends no comments (its keep-alive is a ping event); none is passed on.
		dropComments: true,
		// An event cut off at the body's end is not read: the stream ends unfinished.
		unterminatedLastEvent: 'dropped',
		event(data, name) {
			const parsed = anthropicEvent(data, name);
			if (!parsed) {
				if (ctx.state === 'waiting') ctx.refuse('The upstream sent something other than an Anthropic event');
				return;
			}
			const { type, data: event } = parsed;
			if (type === 'error') return ctx.refuse(streamErrorMessage(event));
			if (ctx.state === 'waiting') {
				if (type === 'message_start') onStart(event);
				return; // a ping or an unknown event before the message: nothing to commit to yet
			}
			const index = typeof event.index === 'number' ? event.index : -1;
			switch (type) {
				case 'content_block_start':
					if (!finished) onBlockStart(index, rec(event.content_block) ?? {});
					return;
				case 'content_block_delta':
					if (!finished) onDelta(blocks.get(index), rec(event.delta) ?? {});
					return;
				case 'content_block_stop':
					if (!finished) onBlockStop(blocks.get(index));
					blocks.delete(index);
					return;
				case 'message_delta':
					stopReason = rec(event.delta)?.stop_reason ?? stopReason;
					ctx.setUsage(mergeStreamUsage(ctx.usage, event.usage));
					finish();
					return;
				case 'message_stop':
					onStop();
					return;
				default:
					return; // ping, and event types Anthropic adds later
			}
		}
	};
}
