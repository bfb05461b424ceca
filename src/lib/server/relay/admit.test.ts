import { describe, expect, test } from 'vitest';
import { callInput, relayWorld } from '../testing/fake-call';
import { admit } from './admit';
import { RelayError } from './errors';

const chat = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };

async function refusal(promise: Promise<unknown>): Promise<RelayError> {
	const err = await promise.then(
		() => undefined,
		(e: unknown) => e
	);
	if (!(err instanceof RelayError)) throw new Error(`expected a RelayError, got ${String(err)}`);
	return err;
}

describe('admit', () => {
	test('reads the request once: model, stream flag, the client asking for usage, canonical body', async () => {
		const world = relayWorld();
		const req = await admit(callInput(world, { ...chat, stream: true, stream_options: { include_usage: true } }));
		expect(req.model).toBe('m');
		expect(req.stream).toBe(true);
		expect(req.clientWantsUsage).toBe(true);
		expect(req.codec).toBeUndefined();
		expect(req.canonical).toBe(req.body.json);
	});

	test('embeddings never stream, whatever the body says', async () => {
		const world = relayWorld();
		const req = await admit(callInput(world, { model: 'm', input: 'x', stream: true }, 'embeddings', '/v1/embeddings'));
		expect(req.stream).toBe(false);
	});

	test('the Anthropic door converts its body to canonical chat, and refuses one it cannot read with a 400', async () => {
		const world = relayWorld();
		const req = await admit(callInput(world, { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }, 'messages', '/v1/messages'));
		expect(req.codec).toBeDefined();
		expect(req.canonical).toMatchObject({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
		const err = await refusal(admit(callInput(world, { model: 'm', max_tokens: 10, messages: 'nope' }, 'messages', '/v1/messages')));
		expect(err.status).toBe(400);
	});

	test('a ledger behind on billing refuses with 503 and retry-after before the body is read', async () => {
		const world = relayWorld();
		world.ledger.full = true;
		const input = callInput(world, chat);
		const err = await refusal(admit(input));
		expect(err.status).toBe(503);
		expect(err.headers).toMatchObject({ 'retry-after': '1' });
		expect(input.request.bodyUsed).toBe(false);
	});

	test('a key over its RPM is refused with 429 and the x-ratelimit headers; admitted calls carry them too', async () => {
		const world = relayWorld({ key: { rpmLimit: 1 } });
		const first = callInput(world, chat);
		await admit(first);
		expect(first.headers['x-ratelimit-remaining-requests']).toBe('0');
		const err = await refusal(admit(callInput(world, chat)));
		expect(err.status).toBe(429);
		expect(err.message).toContain('1 requests per minute');
		expect(err.headers).toHaveProperty('retry-after');
	});

	test('a model outside the key allow-list is refused before anything else is read', async () => {
		const world = relayWorld({ key: { allowedModels: new Set(['other']) } });
		const err = await refusal(admit(callInput(world, chat)));
		expect(err.status).toBe(403);
	});

	test('a body without a model is a 400 naming the field', async () => {
		const world = relayWorld();
		const err = await refusal(admit(callInput(world, { messages: [] })));
		expect(err.status).toBe(400);
		expect(err.param).toBe('model');
	});
});
