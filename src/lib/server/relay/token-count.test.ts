import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as O200kBaseModule from 'gpt-tokenizer/encoding/o200k_base';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { DEFAULT_LIMITS, RUN_LIMIT, SLICE_CHARS } from './bounded-count';
import { countProducedTokens, countTextTokens, estimatePromptTokens, estimatePromptTokensAsync, newTokenCounter } from './token-count';
import { randomLetters } from '../testing/random-text';

// Reference counts, computed once with gpt-tokenizer 4.0.0's o200k_base
// (`encode(text, { disallowedSpecial: new Set() }).length`) and hard-coded here, so that a
// change of encoding or library shows up as a failing test rather than a silent drift.
const T = {
	helloWorld: 4, // 'Hello, world!'
	quickFox: 10, // 'The quick brown fox jumps over the lazy dog.'
	helpful: 6, // 'You are a helpful assistant.'
	imageQuestion: 6, // 'What is in this image?'
	role: 1, // 'system', 'user', 'assistant', 'tool' are one token each
	bob: 1, // 'Bob'
	callId: 3, // 'call_1'
	paris: 1, // 'Paris'
	word: 1, // 'first', 'second', 'hello', 'x'
	weatherTools: 40, // JSON.stringify(WEATHER_TOOLS)
	weatherToolCalls: 29 // JSON.stringify(WEATHER_TOOL_CALLS)
};

const WEATHER_TOOLS = [
	{
		type: 'function',
		function: {
			name: 'get_weather',
			description: 'Get the weather',
			parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }
		}
	}
];
const WEATHER_TOOL_CALLS = [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }];

// OpenAI's chat overhead: 3 per message, 1 per name, 3 to prime the reply.
const PER_MESSAGE = 3;
const PER_NAME = 1;
const PRIMING = 3;
const IMAGE = 765;
const AUDIO = 200;

describe('countTextTokens', () => {
	test('matches the o200k_base reference counts', () => {
		expect(countTextTokens('Hello, world!')).toBe(T.helloWorld);
		expect(countTextTokens('The quick brown fox jumps over the lazy dog.')).toBe(T.quickFox);
		expect(countTextTokens('')).toBe(0);
	});

	test('counts special-token text as ordinary text instead of throwing', () => {
		// 'Hello <|endoftext|>' is 8 tokens as plain text (same reference as above).
		expect(countTextTokens('Hello <|endoftext|>')).toBe(8);
	});
});

describe('estimatePromptTokens: chat completions', () => {
	test('string contents', () => {
		const body = {
			model: 'gpt-4o',
			messages: [
				{ role: 'system', content: 'You are a helpful assistant.' },
				{ role: 'user', content: 'Hello, world!' }
			]
		};
		expect(estimatePromptTokens(body)).toBe(PRIMING + (PER_MESSAGE + T.role + T.helpful) + (PER_MESSAGE + T.role + T.helloWorld));
	});

	test('content parts, names and tools', () => {
		const body = {
			model: 'gpt-4o',
			tools: WEATHER_TOOLS,
			messages: [
				{ role: 'system', content: 'You are a helpful assistant.' },
				{
					role: 'user',
					name: 'Bob',
					content: [
						{ type: 'text', text: 'What is in this image?' },
						{ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
						{ type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
						{ type: 'file', file: { file_id: 'file-abc' } }
					]
				}
			]
		};
		const system = PER_MESSAGE + T.role + T.helpful;
		const user = PER_MESSAGE + T.role + PER_NAME + T.bob + T.imageQuestion + IMAGE + AUDIO;
		expect(estimatePromptTokens(body)).toBe(PRIMING + T.weatherTools + system + user);
	});

	test('replayed tool calls and tool results', () => {
		const body = {
			messages: [
				{ role: 'assistant', content: null, tool_calls: WEATHER_TOOL_CALLS },
				{ role: 'tool', tool_call_id: 'call_1', content: 'Paris' }
			]
		};
		const assistant = PER_MESSAGE + T.role + T.weatherToolCalls;
		const tool = PER_MESSAGE + T.role + T.callId + T.paris;
		expect(estimatePromptTokens(body)).toBe(PRIMING + assistant + tool);
	});

	test('an empty conversation is just the reply priming', () => {
		expect(estimatePromptTokens({ messages: [] })).toBe(PRIMING);
	});
});

describe('estimatePromptTokens: completions and embeddings', () => {
	test('legacy completions prompt', () => {
		expect(estimatePromptTokens({ model: 'gpt-3.5-turbo-instruct', prompt: 'Hello, world!' })).toBe(T.helloWorld);
		expect(estimatePromptTokens({ prompt: ['first', 'second'] })).toBe(2 * T.word);
	});

	test('embeddings input as text', () => {
		expect(estimatePromptTokens({ input: 'The quick brown fox jumps over the lazy dog.' })).toBe(T.quickFox);
		expect(estimatePromptTokens({ input: ['hello', 'x'] })).toBe(2 * T.word);
	});

	test('embeddings input as token arrays counts their lengths', () => {
		expect(estimatePromptTokens({ input: [1, 2, 3, 4] })).toBe(4);
		expect(estimatePromptTokens({ input: [[1, 2, 3], [4, 5]] })).toBe(5);
		expect(estimatePromptTokens({ input: [] })).toBe(0);
	});
});

describe('estimatePromptTokens: malformed bodies never throw', () => {
	test.each([
		['null', null],
		['undefined', undefined],
		['a number', 42],
		['a string', 'Hello, world!'],
		['an array', [{ role: 'user', content: 'hi' }]],
		['an unrelated object', { model: 'gpt-4o' }],
		['messages that are not an array', { messages: 'Hello, world!' }],
		['messages as an object', { messages: { role: 'user', content: 'hi' } }],
		['a numeric prompt', { prompt: 5 }],
		['an object input', { input: { text: 'hi' } }]
	])('%s counts 0', (_name, body) => {
		expect(estimatePromptTokens(body)).toBe(0);
	});

	test('junk messages count only their overhead', () => {
		const body = { messages: [null, 5, 'Hello', [], { role: 7, content: { text: 'hi' }, name: 3, tool_calls: null }] };
		expect(estimatePromptTokens(body)).toBe(PRIMING + PER_MESSAGE);
	});

	test('junk content parts are skipped', () => {
		const body = {
			messages: [{ content: [null, 5, 'raw', { type: 'text', text: 5 }, { type: 'text' }, { type: 'image_url' }, { text: 'no type' }] }]
		};
		expect(estimatePromptTokens(body)).toBe(PRIMING + PER_MESSAGE + IMAGE);
	});

	test('mixed junk in token arrays is skipped', () => {
		expect(estimatePromptTokens({ input: [1, 'hello', [1, 2, 'x', null], null, {}, true] })).toBe(1 + T.word + 2);
	});

	test('tools that JSON cannot encode count 0', () => {
		const cyclic: Record<string, unknown> = {};
		cyclic.self = cyclic;
		expect(estimatePromptTokens({ messages: [], tools: cyclic })).toBe(PRIMING);
		expect(estimatePromptTokens({ messages: [], tools: 10n })).toBe(PRIMING);
	});
});

// The very module token-count.ts loads (one require cache), so a spy on it sees every call.
const o200k = createRequire(import.meta.url)('gpt-tokenizer/encoding/o200k_base') as typeof O200kBaseModule;
const exact = (text: string) => o200k.countTokens(text, { disallowedSpecial: new Set() });
const LONGEST_PIECE = SLICE_CHARS + RUN_LIMIT + 1;

/**
 * Records the length of every text handed to the tokenizer, and refuses one longer than a
 * piece may be: the unbounded counter handed the tokenizer whole megabytes.
 */
function watchTokenizer() {
	const lengths: number[] = [];
	const real = o200k.countTokens;
	vi.spyOn(o200k, 'countTokens').mockImplementation((text, options) => {
		if (typeof text === 'string') {
			if (text.length > LONGEST_PIECE) throw new Error(`the tokenizer was handed ${text.length} characters at once`);
			lengths.push(text.length);
		}
		return real(text, options);
	});
	return { lengths, tokenized: () => lengths.reduce((a, b) => a + b, 0), longest: () => Math.max(0, ...lengths) };
}

const MB = 1 << 20;
const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
const readme = readFileSync(join(import.meta.dirname, '../../../../README.md'), 'utf8');
/** This directory's own TypeScript, as a sample of code. */
const code = readdirSync(import.meta.dirname)
	.filter((f) => f.endsWith('.ts'))
	.sort()
	.map((f) => readFileSync(join(import.meta.dirname, f), 'utf8'))
	.join('\n');

describe('countTextTokens: bounded work on pathological text', () => {
	let tokenizer: ReturnType<typeof watchTokenizer>;
	beforeEach(() => void (tokenizer = watchTokenizer()));
	afterEach(() => void vi.restoreAllMocks());

	test('a megabyte without a space goes to the tokenizer in short pieces, within the budget', () => {
		// 128 x's are 16 tokens; the part past the budget is counted at that ratio.
		expect(countTextTokens('x'.repeat(MB))).toBe(MB / 8);
		expect(tokenizer.longest()).toBeLessThanOrEqual(RUN_LIMIT + 1);
		expect(tokenizer.tokenized()).toBeLessThanOrEqual(DEFAULT_LIMITS.budgetChars + RUN_LIMIT);
	});

	test('a megabyte of spaces', () => {
		expect(countTextTokens(' '.repeat(MB))).toBe(MB / 128);
		expect(tokenizer.longest()).toBeLessThanOrEqual(RUN_LIMIT + 1);
		expect(tokenizer.tokenized()).toBeLessThanOrEqual(DEFAULT_LIMITS.budgetChars + RUN_LIMIT);
	});

	test('a megabyte of random letters (no vocabulary shortcut) is cut off by the time limit and extrapolated', () => {
		const text = randomLetters(MB);
		const started = performance.now();
		const counted = countTextTokens(text);
		// Minutes without the bound; the limit is 100 ms of tokenizer work (2 s leaves room for a busy machine).
		expect(performance.now() - started).toBeLessThan(2000);
		expect(tokenizer.longest()).toBeLessThanOrEqual(RUN_LIMIT + 1);
		expect(tokenizer.tokenized()).toBeLessThan(MB / 2);
		// Random lowercase letters run at about 0.52 tokens a character.
		const sample = text.slice(0, 64 * RUN_LIMIT);
		const perChar = [...Array(64).keys()].reduce((sum, i) => sum + exact(sample.slice(i * RUN_LIMIT, (i + 1) * RUN_LIMIT)), 0) / sample.length;
		expect(Math.abs(counted / (MB * perChar) - 1)).toBeLessThan(0.03);
	});

	test('a prompt of many long strings shares one budget', () => {
		const messages = Array.from({ length: 64 }, () => ({ role: 'user', content: 'x'.repeat(64 * 1024) }));
		const counted = estimatePromptTokens({ messages });
		expect(counted / (PRIMING + 64 * (PER_MESSAGE + T.role + (64 * 1024) / 8))).toBeCloseTo(1, 3);
		expect(tokenizer.tokenized()).toBeLessThanOrEqual(DEFAULT_LIMITS.budgetChars + RUN_LIMIT + 64 * 4);
	});
});

describe('countTextTokens: accuracy on real text', () => {
	// Without the time limit, which a busy machine reaches sooner (its effect is tested above):
	// this is about what cutting and extrapolating cost.
	const within = (text: string, bound: number) => {
		const want = exact(text);
		const counted = newTokenCounter({ ...DEFAULT_LIMITS, timeLimitMs: Infinity }).count(text);
		expect(Math.abs(counted - want) / want).toBeLessThanOrEqual(bound);
	};

	test('English prose and Markdown, and code, count as the tokenizer counts them (within 0.1%)', () => {
		within(readme, 0.001);
		within(code, 0.001);
	});

	test('Chinese and Japanese prose, whose runs without spaces get cut, within 2%', () => {
		within(fixture('zh.txt'), 0.02);
		within(fixture('ja.txt'), 0.02);
		within(fixture('zh.txt').repeat(20), 0.02);
	});

	test('text past the budget is extrapolated within 2%', () => {
		within(readme.repeat(Math.ceil(MB / readme.length)), 0.02);
		within(code.repeat(Math.ceil(MB / code.length)), 0.02);
	});
});

describe('countProducedTokens', () => {
	test('a 32 MB answer: the kept megabyte is tokenized within the budget, the rest counted from its size', () => {
		const kept = 'lorem ipsum dolor sit amet, '.repeat(MB / 28);
		const perByte = exact(kept) / kept.length;
		const tokenizer = watchTokenizer();
		try {
			const counted = countProducedTokens({ text: kept, beyondBytes: 31 * MB });
			expect(tokenizer.tokenized()).toBeLessThanOrEqual(DEFAULT_LIMITS.budgetChars + SLICE_CHARS);
			expect(counted / (perByte * (kept.length + 31 * MB))).toBeCloseTo(1, 2);
		} finally {
			vi.restoreAllMocks();
		}
	});

	test('the kept text is counted, and the bytes past it at the same ratio', () => {
		const text = 'The quick brown fox jumps over the lazy dog. ';
		expect(countProducedTokens({ text, beyondBytes: 0 })).toBe(countTextTokens(text));
		const kept = text.repeat(100);
		const ratio = countTextTokens(kept) / Buffer.byteLength(kept);
		expect(countProducedTokens({ text: kept, beyondBytes: 9000 })).toBe(countTextTokens(kept) + Math.ceil(9000 * ratio));
		expect(countProducedTokens({ text: '', beyondBytes: 400 })).toBe(100);
	});
});

describe('estimatePromptTokensAsync', () => {
	test('counts as estimatePromptTokens does', async () => {
		const body = { tools: WEATHER_TOOLS, messages: [{ role: 'user', name: 'Bob', content: readme }] };
		expect(await estimatePromptTokensAsync(body)).toBe(estimatePromptTokens(body));
	});

	test('gives the event loop turns while it works', async () => {
		let turns = 0;
		const ticker = setInterval(() => turns++, 1);
		try {
			// At least the 100 ms time limit of tokenizer work.
			await estimatePromptTokensAsync({ messages: [{ role: 'user', content: randomLetters(MB) }] });
		} finally {
			clearInterval(ticker);
		}
		expect(turns).toBeGreaterThan(2);
	});
});
