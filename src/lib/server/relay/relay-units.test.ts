import { describe, expect, test } from 'vitest';
import { defaultOptions } from '../options/definitions';
import { buildRoutes, normalizeBaseUrl, type ChannelState, type Snapshot } from '../state/snapshot';
import { channelState } from '../testing/channel-state';
import { testPrice } from '../testing/fake-call';
import { presentedKey } from './auth';
import { corsHeaders, preflight } from './cors';
import { matchRelayRoute, pathOf } from './routes';
import { candidateChannels, pickKey, visibleModels, weightedOrder } from './select';

const channel = channelState;

const price = testPrice;

function snap(channels: ChannelState[], priced = ['a', 'b', 'c', 'm']): Snapshot {
	return {
		keysByHash: new Map(),
		keyHashById: new Map(),
		users: new Map(),
		groups: new Map(),
		channels: new Map(channels.map((c) => [c.id, c])),
		routes: buildRoutes(channels),
		prices: new Map(priced.map((m) => [m, price(m)])),
		options: defaultOptions(),
		loadedAt: 0
	};
}

describe('routing', () => {
	test('highest priority first; disabled, keyless and other-group channels never', () => {
		const s = snap([
			channel(1, { priority: 1 }),
			channel(2, { priority: 5 }),
			channel(3, { priority: 9, enabled: false }),
			channel(4, { priority: 9, keys: [] }),
			channel(5, { priority: 9, groups: new Set(['vip']) })
		]);
		expect(candidateChannels(s, 'default', 'm', () => false).map((c) => c.id)).toEqual([2, 1]);
		expect(candidateChannels(s, 'vip', 'm', () => false).map((c) => c.id)).toEqual([5]);
		expect(candidateChannels(s, 'default', 'other', () => false)).toEqual([]);
	});

	test('channels cooling down go last', () => {
		const s = snap([channel(1, { priority: 5 }), channel(2, { priority: 1 })]);
		expect(candidateChannels(s, 'default', 'm', (c) => c.id === 1).map((c) => c.id)).toEqual([2, 1]);
		expect(candidateChannels(s, 'default', 'm', () => false).map((c) => c.id)).toEqual([1, 2]);
	});

	test('weights set the odds of going first within a tier', () => {
		let seed = 7;
		const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
		const items = [{ id: 'a', weight: 1 }, { id: 'b', weight: 3 }];
		let bFirst = 0;
		for (let i = 0; i < 4000; i++) if (weightedOrder(items, random)[0]?.id === 'b') bFirst++;
		expect(bFirst / 4000).toBeGreaterThan(0.7);
		expect(bFirst / 4000).toBeLessThan(0.8);
	});

	test('keys rotate round-robin', () => {
		const c = channel(1, { keys: [{ id: 1, secret: 'a' }, { id: 2, secret: 'b' }] });
		expect([pickKey(c), pickKey(c), pickKey(c)].map((k) => k?.secret)).toEqual(['a', 'b', 'a']);
	});

	test('visible models follow the group and the key allow-list', () => {
		const s = snap([channel(1, { models: new Set(['a', 'b']) }), channel(2, { models: new Set(['b', 'c']), groups: new Set(['vip']) })]);
		expect([...visibleModels(s, 'default', null).keys()].sort()).toEqual(['a', 'b']);
		expect([...visibleModels(s, 'default', new Set(['b', 'c'])).keys()]).toEqual(['b']);
		expect(visibleModels(s, 'default', null).get('a')).toBe(1);
	});

	test('models without a price are not offered unless unpriced models are served', () => {
		const s = snap([channel(1, { models: new Set(['a', 'free']) })]);
		expect([...visibleModels(s, 'default', null).keys()]).toEqual(['a']);
		s.options = { ...s.options, 'billing.allow_unpriced_models': true };
		expect([...visibleModels(s, 'default', null).keys()].sort()).toEqual(['a', 'free']);
	});

	test('base URLs with or without /v1 mean the same upstream', () => {
		expect(normalizeBaseUrl('https://api.openai.com')).toBe('https://api.openai.com/v1');
		expect(normalizeBaseUrl('https://api.openai.com/')).toBe('https://api.openai.com/v1');
		expect(normalizeBaseUrl('https://api.openai.com/v1/')).toBe('https://api.openai.com/v1');
		expect(normalizeBaseUrl('http://10.0.0.5:8000')).toBe('http://10.0.0.5:8000/v1');
		expect(normalizeBaseUrl('https://openrouter.ai/api/v1')).toBe('https://openrouter.ai/api/v1');
		expect(normalizeBaseUrl('https://generativelanguage.googleapis.com/v1beta/openai/')).toBe(
			'https://generativelanguage.googleapis.com/v1beta/openai'
		);
	});
});

describe('paths', () => {
	test('doors, models and the rest', () => {
		expect(matchRelayRoute('POST', '/v1/chat/completions')).toEqual({ kind: 'call', door: 'chat' });
		expect(matchRelayRoute('POST', '/v1/chat/completions/')).toEqual({ kind: 'call', door: 'chat' });
		expect(matchRelayRoute('GET', '/v1/chat/completions')).toEqual({ kind: 'wrong-method', allow: 'POST' });
		expect(matchRelayRoute('POST', '/v1/messages')).toEqual({ kind: 'call', door: 'messages' });
		expect(matchRelayRoute('POST', '/v1/messages/count_tokens')).toEqual({ kind: 'count-tokens' });
		expect(matchRelayRoute('GET', '/v1/messages/count_tokens')).toEqual({ kind: 'wrong-method', allow: 'POST' });
		expect(matchRelayRoute('POST', '/v1/responses')).toEqual({ kind: 'call', door: 'responses' });
		expect(matchRelayRoute('GET', '/v1/models')).toEqual({ kind: 'models' });
		expect(matchRelayRoute('GET', '/v1/models/meta-llama/Llama-3.3-70B')).toEqual({ kind: 'model', id: 'meta-llama/Llama-3.3-70B' });
		expect(matchRelayRoute('GET', '/v1/models/a%20b')).toEqual({ kind: 'model', id: 'a b' });
		expect(matchRelayRoute('OPTIONS', '/v1/anything')).toEqual({ kind: 'preflight' });
		expect(matchRelayRoute('POST', '/v1/audio/speech')).toEqual({ kind: 'unknown' });
		expect(pathOf('http://h:1/v1/models?x=1')).toBe('/v1/models');
	});

	test('keys come from Bearer, x-api-key or api-key', () => {
		expect(presentedKey(new Headers({ authorization: 'Bearer sk-a' }))).toBe('sk-a');
		expect(presentedKey(new Headers({ authorization: 'bearer   sk-a  ' }))).toBe('sk-a');
		expect(presentedKey(new Headers({ authorization: 'Basic abc' }))).toBeUndefined();
		expect(presentedKey(new Headers({ 'x-api-key': 'sk-b' }))).toBe('sk-b');
		expect(presentedKey(new Headers({ 'api-key': 'sk-c' }))).toBe('sk-c');
		expect(presentedKey(new Headers())).toBeUndefined();
	});
});

describe('CORS', () => {
	test('configured origins only', () => {
		expect(corsHeaders('https://a.example', ['https://a.example'])['access-control-allow-origin']).toBe('https://a.example');
		expect(corsHeaders('https://b.example', ['https://a.example'])).toEqual({});
		expect(corsHeaders(null, ['*'])).toEqual({});
		const req = new Request('http://h/v1/models', { method: 'OPTIONS', headers: { origin: 'https://b.example' } });
		expect(preflight(req, ['https://a.example']).status).toBe(403);
		expect(preflight(req, ['*']).status).toBe(204);
	});
});
