import { describe, expect, test } from 'vitest';
import type { ChatChunk, ChatUsage } from '../protocol/canonical';
import type { DoorError, StreamRenderer } from '../protocol/door';
import type { ChunkTranslator, StreamPiece, StreamTranslator } from '../protocol/types';
import { ChatSseChunks, RenderedTranslator } from './render-stream';

const chunk = (content: string, usage?: ChatUsage): ChatChunk => ({
	id: 'c1',
	object: 'chat.completion.chunk',
	created: 1,
	model: 'm',
	choices: content ? [{ index: 0, delta: { content }, finish_reason: null }] : [],
	...(usage ? { usage } : {})
});

/** A renderer that records what it was given. */
function recorder() {
	const pushed: ChatChunk[] = [];
	const ended: Array<ChatUsage | undefined> = [];
	const renderer: StreamRenderer = {
		push: (c) => (pushed.push(c), `<${c.choices[0]?.delta.content}>`),
		end: (usage) => (ended.push(usage), '<end>'),
		error: (err: DoorError) => `<error ${err.message}>`
	};
	return { renderer, pushed, ended };
}

/** A chunk source that hands out scripted pieces, one list per push, and is done after the last. */
function scripted(pushes: StreamPiece[][], usage?: ChatChunk['usage']): ChunkTranslator {
	let i = 0;
	return {
		state: 'committed',
		push: () => pushes[i++] ?? [],
		end: () => [],
		rejection: () => undefined,
		done: () => i >= pushes.length,
		error: () => undefined,
		usage: () => (usage ? { inputUncached: usage.prompt_tokens, cacheRead: 0, cacheWrite: 0, output: usage.completion_tokens, reasoning: 0 } : undefined),
		producedText: () => ({ text: 'ab', beyondBytes: 0 }),
		outputText: () => 'ab'
	};
}

const none = new Uint8Array(0);

describe('RenderedTranslator', () => {
	test('hands the door renderer the very chunk objects the translator built, with no parsing in between', () => {
		const a = chunk('a');
		const b = chunk('b');
		const { renderer, pushed } = recorder();
		const t = new RenderedTranslator(scripted([[a, 'keep-alive'], [b], []]), renderer);
		expect(t.push(none)).toBe('<a>');
		expect(t.push(none)).toBe('<b>');
		expect(pushed[0]).toBe(a);
		expect(pushed[1]).toBe(b);
	});

	test('closes with the renderer end once the source is done, with the usage of the usage-only chunk; nothing after', () => {
		const usage: ChatUsage = { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 };
		const { renderer, pushed, ended } = recorder();
		const t = new RenderedTranslator(scripted([[chunk('a')], [chunk('', usage)]]), renderer);
		expect(t.push(none)).toBe('<a>');
		expect(t.done()).toBe(false);
		expect(t.push(none)).toBe('<end>');
		expect(pushed).toHaveLength(1); // the usage-only chunk has no place in the door's events
		expect(ended).toEqual([usage]);
		expect(t.done()).toBe(true);
		expect(t.push(none)).toBe('');
		expect(t.outputText()).toBe('ab');
	});

	test('the usage the source reports wins over that of a chunk', () => {
		const { renderer, ended } = recorder();
		const t = new RenderedTranslator(scripted([[chunk('', { prompt_tokens: 9, completion_tokens: 9, total_tokens: 18 })]], { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }), renderer);
		t.push(none);
		expect(ended[0]).toMatchObject({ prompt_tokens: 1, completion_tokens: 2 });
	});

	test("an in-band error is the door's error event", () => {
		const t = new RenderedTranslator(scripted([[chunk('a')]]), recorder().renderer);
		expect(t.errorEvent({ status: 502, message: 'cut', type: 'server_error', code: null, param: null })).toBe('<error cut>');
	});
});

describe('ChatSseChunks', () => {
	/** A text translator that hands out scripted output. */
	function textSource(outputs: string[]): StreamTranslator {
		let i = 0;
		return { ...scripted([]), push: () => outputs[i++] ?? '', end: () => '' };
	}

	test("reads an OpenAI chat SSE translator's complete events as chunks, each parsed once, and ends at [DONE]", () => {
		const a = chunk('a');
		const t = new ChatSseChunks(textSource([`: c\n\ndata: ${JSON.stringify(a)}\n\ndata: {"id"`, `:"x"}\r\n\r\ndata: [DONE]\n\ndata: ${JSON.stringify(a)}\n\n`]));
		expect(t.push(none)).toEqual([a]);
		expect(t.done()).toBe(false);
		expect(t.push(none)).toEqual([{ id: 'x' }]);
		expect(t.done()).toBe(true);
	});
});
