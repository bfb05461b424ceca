import { describe, expect, test } from 'vitest';
import { countTextTokens, estimatePromptTokens } from './token-count';

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
