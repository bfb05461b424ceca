import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { projectRoot } from '../../scripts/build-state';
import { DEFAULT_PRICES } from '../../src/lib/server/billing/default-prices';
import { ApiClient } from '../harness/api-client';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { TEST_SECRET_KEY } from '../harness/fixtures';
import { startServer, type TestServer } from '../harness/server';

const ADMIN_TOKEN = 'price-admin-token-0123456789abcdef0123';
const env = (url: string) => ({ DATABASE_URL: url, ELYGATE_SECRET_KEY: TEST_SECRET_KEY, ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN });
const newApiExport = JSON.parse(readFileSync(join(projectRoot, 'src/lib/server/billing/fixtures/newapi-options.json'), 'utf8')) as Record<string, string>;

let db: TestDatabase;
let server: TestServer | undefined;
let api: ApiClient;

async function start() {
	server = await startServer({ env: env(db.url) });
	api = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
}

beforeAll(async () => {
	db = await freshDatabase();
	await start();
});

afterAll(async () => {
	await server?.stop();
	await db?.drop();
});

const prices = () => db.sql`select * from model_prices order by model`;
const groups = () => db.sql`select * from groups order by name`;
async function price(model: string) {
	const [row] = await db.sql`select model_ratio, completion_ratio, cache_read_ratio, cache_write_ratio, price_per_request_usd, source from model_prices where model = ${model}`;
	return row;
}

describe('the default price table', () => {
	test('a fresh server starts with it, each row saying where its numbers come from', async () => {
		const list = await api.get('/api/prices?perPage=200');
		expect(list.status).toBe(200);
		expect(list.body.total).toBe(DEFAULT_PRICES.length);
		const byModel = new Map(list.body.items.map((p: { model: string }) => [p.model, p]));
		expect(byModel.get('gpt-4o')).toMatchObject({ modelRatio: 1.25, completionRatio: 4, cacheReadRatio: 0.5, defaultOutputReserve: 4096 });
		expect(byModel.get('gpt-4o')).toMatchObject({ source: expect.stringMatching(/^unverified: https:\/\/developers\.openai\.com\/\S+ \(\d{4}-\d{2}-\d{2}\)$/) });
		expect(byModel.get('claude-opus-4-1')).toMatchObject({
			modelRatio: 7.5,
			cacheWriteRatio: 1.25,
			source: expect.stringMatching(/^https:\/\/platform\.claude\.com\/\S+ \(checked \d{4}-\d{2}-\d{2}\)$/)
		});
	});

	test('a deleted price stays deleted when the server restarts', async () => {
		expect((await api.delete('/api/prices/claude-haiku-4-5')).status).toBe(204);
		expect(await server!.stop()).toBe(0);
		server = undefined;
		await start();
		const list = await api.get('/api/prices?perPage=200');
		expect(list.body.total).toBe(DEFAULT_PRICES.length - 1);
		expect(list.body.items.map((p: { model: string }) => p.model)).not.toContain('claude-haiku-4-5');
	});

	test('POST /api/prices/defaults adds what is missing, and with overwrite resets the rest', async () => {
		await api.post('/api/prices', { model: 'gpt-4o', modelRatio: 9, completionRatio: 2, source: 'house price' });
		await api.post('/api/prices', { model: 'house-model', modelRatio: 0.3 });
		const added = await api.post('/api/prices/defaults', {});
		expect(added).toMatchObject({ status: 200, body: { added: 1, updated: 0 } });
		expect(await price('claude-haiku-4-5')).toMatchObject({ model_ratio: 0.5, completion_ratio: 5 });
		// Without overwrite, an admin's own price is kept.
		expect(await price('gpt-4o')).toMatchObject({ model_ratio: 9, source: 'house price' });

		const reset = await api.post('/api/prices/defaults', { overwrite: true });
		expect(reset.body).toEqual({ added: 0, updated: DEFAULT_PRICES.length });
		expect(await price('gpt-4o')).toMatchObject({ model_ratio: 1.25, completion_ratio: 4, source: expect.stringMatching(/^unverified:/) });
		expect(await price('house-model')).toMatchObject({ model_ratio: 0.3 });
		const [audit] = await db.sql`select after from audit_log where action = 'price.defaults' order by id desc limit 1`;
		expect(audit!.after).toEqual({ overwrite: true, added: 0, updated: DEFAULT_PRICES.length });
	});
});

describe('importing New-API prices', () => {
	test('a good file overwrites the models and groups it names and leaves the rest alone', async () => {
		await api.post('/api/groups', { name: 'vip', ratio: 0.9, description: 'friends' });
		const opusBefore = await price('claude-opus-4-1');
		const res = await api.post('/api/prices/import', newApiExport);
		expect(res).toMatchObject({ status: 200, body: { prices: 5, groups: 3 } });

		expect(await price('gpt-4o')).toMatchObject({
			model_ratio: 1.25,
			completion_ratio: 4,
			cache_read_ratio: 0.5,
			cache_write_ratio: null,
			price_per_request_usd: 0.01,
			source: expect.stringMatching(/^new-api import/)
		});
		expect(await price('dall-e-3')).toMatchObject({ model_ratio: 0, price_per_request_usd: 0.04 });
		expect(await price('claude-sonnet-4-5')).toMatchObject({ model_ratio: 1.5, completion_ratio: 5, cache_read_ratio: 0.1, cache_write_ratio: 1.25 });
		expect(await price('claude-opus-4-1')).toEqual(opusBefore);
		expect((await groups()).map((g) => [g.name, g.ratio, g.description])).toEqual([
			['default', 1, expect.any(String)],
			['svip', 0.6, ''],
			['vip', 0.8, 'friends']
		]);
		const audit = await db.sql`select after from audit_log where action = 'price.import'`;
		expect(audit).toHaveLength(1);
		expect(audit[0]!.after).toMatchObject({ prices: 5, groups: 3 });
	});

	test('one bad entry among good ones is refused by name, and nothing changes', async () => {
		const [pricesBefore, groupsBefore] = [await prices(), await groups()];
		const bad = { ...newApiExport, ModelRatio: JSON.stringify({ 'new-model': 2, 'gpt-4o': 'cheap' }), GroupRatio: { vip: 0.1, gold: 0.5 } };
		const res = await api.post('/api/prices/import', bad);
		expect(res.status).toBe(400);
		expect(res.body.error).toMatchObject({
			code: 'invalid_request',
			field: 'ModelRatio.gpt-4o',
			message: 'ModelRatio["gpt-4o"]: expected a non-negative number, got "cheap"'
		});
		expect(await prices()).toEqual(pricesBefore);
		expect(await groups()).toEqual(groupsBefore);
		expect(await db.sql`select 1 from audit_log where action = 'price.import'`).toHaveLength(1);
	});

	test('an option New-API has but we do not import is refused rather than silently dropped', async () => {
		const res = await api.post('/api/prices/import', { ModelRatio: { a: 1 }, AudioRatio: { a: 2 } });
		expect(res.status).toBe(400);
		expect(res.body.error).toMatchObject({ code: 'invalid_request', field: 'AudioRatio' });
	});
});
