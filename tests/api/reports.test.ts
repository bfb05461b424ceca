import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createPool } from '../../src/lib/server/db/client';
import { newRequestId } from '../../src/lib/server/http/request-id';
import { createLogger } from '../../src/lib/server/observability/logger';
import { startRetentionJob } from '../../src/lib/server/services/retention';
import { register } from '../harness/accounts';
import { ApiClient } from '../harness/api-client';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { TEST_SECRET_KEY } from '../harness/fixtures';
import { startServer, type TestServer } from '../harness/server';
import { WebClient } from '../harness/web-client';

const ADMIN_TOKEN = 'reports-admin-token-0123456789abcdefgh';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const EVIL_MODEL = '=HYPERLINK("http://evil.example","click")';
const EVIL_ERROR = '@SUM(1+1) upstream said no';
/** What the relay writes when every channel failed: the channels are named for administrators. */
const FAILOVER_ERROR = 'channel 7: 500 upstream exploded; channel 12: no answer within 60 s';
const FAILOVER_ERROR_FOR_USERS = 'upstream: 500 upstream exploded; upstream: no answer within 60 s';

let db: TestDatabase;
let server: TestServer;
let root: ApiClient;
let reader: ApiClient;
let user: ApiClient;
const ids = { me: 0, other: 0, bulk: 0, myKeyA: 0, myKeyB: 0, otherKey: 0, channel: 0 };

/** What was inserted, as the test's own record to compare answers with. */
interface Row {
	request_id: string;
	created_at: Date;
	user_id: number;
	api_key_id: number | null;
	channel_id: number | null;
	model: string;
	upstream_model: string;
	door: string;
	prompt_tokens: number;
	completion_tokens: number;
	cache_read_tokens: number;
	cost: number;
	status: number;
	attempts: number;
	error: string | null;
}
const rows: Row[] = [];
let now = 0;

function row(userId: number, createdAt: number, over: Partial<Row> = {}): Row {
	const n = rows.length;
	const status = over.status ?? (n % 7 === 0 ? 429 : n % 11 === 0 ? 500 : 200);
	const r: Row = {
		request_id: newRequestId(createdAt),
		created_at: new Date(createdAt),
		user_id: userId,
		api_key_id: null,
		channel_id: ids.channel,
		model: 'gpt-4o',
		upstream_model: 'gpt-4o-2024-08-06',
		door: 'chat',
		prompt_tokens: 10 + n,
		completion_tokens: status === 200 ? 5 + (n % 13) : 0,
		cache_read_tokens: n % 3,
		cost: status === 200 ? 100 + n : 0,
		status,
		attempts: 1 + (n % 2),
		error: status === 200 ? null : 'upstream failed',
		...over
	};
	rows.push(r);
	return r;
}

beforeAll(async () => {
	db = await freshDatabase();
	server = await startServer({
		env: { DATABASE_URL: db.url, ELYGATE_SECRET_KEY: TEST_SECRET_KEY, ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN, ELYGATE_ROOT_PASSWORD: 'root-password-1' }
	});
	root = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	reader = new ApiClient(server.url, { bearer: (await root.post('/api/tokens', { name: 'dash', scope: 'read' })).body.token });
	const web = new WebClient(server.url);
	await register(web, 'logreader', 'log-reader-password');
	user = new ApiClient(server.url, { cookie: `elygate_session=${web.cookies.get('elygate_session')}`, origin: server.url });
	ids.me = (await db.sql`select id from users where username = 'logreader'`)[0]!.id;
	ids.other = (await root.post('/api/users', { username: 'someone-else', password: 'someone-password' })).body.id;
	ids.bulk = (await root.post('/api/users', { username: 'bulk-user', password: 'bulk-user-password' })).body.id;
	ids.myKeyA = (await root.post('/api/keys', { name: 'laptop', userId: ids.me })).body.apiKey.id;
	ids.myKeyB = (await root.post('/api/keys', { name: 'server', userId: ids.me })).body.apiKey.id;
	ids.otherKey = (await root.post('/api/keys', { name: 'theirs', userId: ids.other })).body.apiKey.id;
	ids.channel = (
		await root.post('/api/channels', { type: 'openai', name: 'internal-upstream', baseUrl: 'https://api.example.com', models: ['gpt-4o'], keys: ['sk-upstream-aaaa1111'] })
	).body.id;

	now = Date.now();
	const models = ['gpt-4o', 'claude-3', 'gpt-4o-mini'];
	for (let i = 0; i < 60; i++) {
		row(ids.me, now - HOUR - i * 37 * 60_000, {
			model: models[i % 3]!,
			api_key_id: i % 4 === 0 ? null : i % 2 ? ids.myKeyA : ids.myKeyB,
			channel_id: i % 5 === 0 ? null : ids.channel
		});
	}
	for (let i = 0; i < 30; i++) row(ids.other, now - 2 * HOUR - i * 53 * 60_000, { api_key_id: ids.otherKey, model: models[(i + 1) % 3]! });
	row(ids.me, now - 30 * 60_000, { model: EVIL_MODEL, status: 502, error: EVIL_ERROR });
	row(ids.me, now - 20 * 60_000, { status: 503, error: FAILOVER_ERROR });
	// More than one CSV page (1,000 rows) for the export to walk.
	for (let i = 0; i < 2300; i++) row(ids.bulk, now - 3 * HOUR - i * 7 * 60_000, { model: 'bulk-model', status: 200 });
	// Forty days old: what retention removes.
	for (let i = 0; i < 11; i++) row(i % 2 ? ids.me : ids.other, now - 40 * DAY - i * HOUR, { model: 'gpt-4o' });

	const columns = Object.keys(rows[0]!) as Array<keyof Row>;
	for (let i = 0; i < rows.length; i += 500) await db.sql`insert into request_logs ${db.sql(rows.slice(i, i + 500), columns)}`;
	// The daily rollup the ledger keeps beside the log rows.
	await db.sql`
		insert into usage_daily (day, user_id, api_key_id, channel_id, model, requests, failures, prompt_tokens, completion_tokens, cache_read_tokens, cost)
		select (created_at at time zone 'UTC')::date, user_id, coalesce(api_key_id, 0), coalesce(channel_id, 0), model,
			count(*), count(*) filter (where status <> 200), sum(prompt_tokens), sum(completion_tokens), sum(cache_read_tokens), sum(cost)
		from request_logs group by 1, 2, 3, 4, 5`;
});

afterAll(async () => {
	await server?.stop();
	await db?.drop();
});

const newestFirst = (list: Row[]) => list.map((r) => r.request_id).sort().reverse();

/** Every page of /api/logs from `query`, following `next`. */
async function walk(client: ApiClient, query: string) {
	const pages: Array<Array<Record<string, any>>> = [];
	let before: string | null = null;
	for (;;) {
		const res = await client.get(`/api/logs?${query}${before ? `&before=${before}` : ''}`);
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		pages.push(res.body.items);
		before = res.body.next;
		if (!before) return pages;
		expect(pages.length).toBeLessThan(200);
	}
}

async function allIds(client: ApiClient, query: string): Promise<string[]> {
	const res = await client.get(`/api/logs?limit=500&${query}`);
	expect(res.status, JSON.stringify(res.body)).toBe(200);
	expect(res.body.next).toBeNull();
	return res.body.items.map((i: { requestId: string }) => i.requestId);
}

function expectError(res: { status: number; body: Record<string, any> }, status: number, field?: string) {
	expect(res.status, JSON.stringify(res.body)).toBe(status);
	if (field) expect(res.body.error.field).toBe(field);
}

describe('GET /api/logs', () => {
	test('pages walk every row exactly once, newest first', async () => {
		const pages = await walk(root, 'limit=97');
		expect(pages.every((p) => p.length <= 97)).toBe(true);
		expect(pages.slice(0, -1).every((p) => p.length === 97)).toBe(true);
		expect(pages.flat().map((i) => i.requestId)).toEqual(newestFirst(rows));

		const mine = await walk(user, 'limit=7');
		expect(mine.flat().map((i) => i.requestId)).toEqual(newestFirst(rows.filter((r) => r.user_id === ids.me)));
		const times = mine.flat().map((i) => Date.parse(i.createdAt));
		expect([...times].sort((a, b) => b - a)).toEqual(times);
	});

	test('an exact last page has no next cursor', async () => {
		const count = rows.filter((r) => r.user_id === ids.other).length;
		const res = await root.get(`/api/logs?userId=${ids.other}&limit=${count}`);
		expect(res.body.items).toHaveLength(count);
		expect(res.body.next).toBeNull();
	});

	test('each filter narrows to exactly the matching rows', async () => {
		const expectIds = async (query: string, pick: (r: Row) => boolean) => expect(await allIds(root, query), query).toEqual(newestFirst(rows.filter(pick)));
		await expectIds(`userId=${ids.other}`, (r) => r.user_id === ids.other);
		await expectIds(`keyId=${ids.myKeyA}`, (r) => r.api_key_id === ids.myKeyA);
		await expectIds(`keyId=0&userId=${ids.me}`, (r) => r.api_key_id === null && r.user_id === ids.me);
		await expectIds('model=claude-3', (r) => r.model === 'claude-3');
		await expectIds(`channelId=0&userId=${ids.me}`, (r) => r.channel_id === null && r.user_id === ids.me);
		await expectIds(`channelId=${ids.channel}&userId=${ids.other}`, (r) => r.channel_id === ids.channel && r.user_id === ids.other);
		await expectIds('status=429', (r) => r.status === 429);
		await expectIds('status=error', (r) => r.status !== 200);
		await expectIds(`status=ok&userId=${ids.me}`, (r) => r.status === 200 && r.user_id === ids.me);
		const from = new Date(now - 20 * HOUR).toISOString();
		const to = new Date(now - 5 * HOUR).toISOString();
		await expectIds(`from=${from}&to=${to}&userId=${ids.me}`, (r) => r.user_id === ids.me && r.created_at >= new Date(from) && r.created_at < new Date(to));
		await expectIds(`from=${encodeURIComponent(new Date(now - 3 * HOUR).toISOString().replace('Z', '+00:00'))}`, (r) => r.created_at >= new Date(now - 3 * HOUR));
		await expectIds(`to=${new Date(now - 39 * DAY).toISOString()}`, (r) => r.created_at < new Date(now - 39 * DAY));
		await expectIds(`model=gpt-4o&status=ok&keyId=${ids.myKeyB}`, (r) => r.model === 'gpt-4o' && r.status === 200 && r.api_key_id === ids.myKeyB);
	});

	test('administrators see names and channel internals', async () => {
		const res = await root.get(`/api/logs?userId=${ids.me}&keyId=${ids.myKeyA}&limit=1`);
		const item = res.body.items[0];
		const source = rows.find((r) => r.request_id === item.requestId)!;
		expect(item).toMatchObject({
			userId: ids.me,
			username: 'logreader',
			keyId: ids.myKeyA,
			keyName: 'laptop',
			model: source.model,
			upstreamModel: 'gpt-4o-2024-08-06',
			attempts: source.attempts,
			status: source.status,
			cost: source.cost,
			costUsd: source.cost / 500_000,
			promptTokens: source.prompt_tokens
		});
		expect(item.channelId).toBe(source.channel_id);
		expect(item.channelName).toBe(source.channel_id === null ? null : 'internal-upstream');
		expect((await reader.get('/api/logs?limit=1')).status).toBe(200);
	});

	test('a user sees only their own calls, whatever userId they pass, and no channel internals', async () => {
		const mine = rows.filter((r) => r.user_id === ids.me);
		expect(await allIds(user, `userId=${ids.other}`)).toEqual(newestFirst(mine));
		expect(await allIds(user, `keyId=${ids.otherKey}`)).toEqual([]);
		const res = await user.get('/api/logs?limit=500');
		for (const item of res.body.items) {
			for (const hidden of ['channelId', 'channelName', 'upstreamModel', 'attempts', 'username']) expect(item).not.toHaveProperty(hidden);
			expect(item.userId).toBe(ids.me);
		}
		expect(JSON.stringify(res.body)).not.toContain('internal-upstream');
		expectError(await user.get(`/api/logs?channelId=${ids.channel}`), 403, 'channelId');
	});

	test("a user's error texts do not name the channels that failed; administrators' do", async () => {
		const failed = rows.find((r) => r.error === FAILOVER_ERROR)!;
		const listed = (await user.get('/api/logs?status=503&limit=500')).body.items.find((i: { requestId: string }) => i.requestId === failed.request_id);
		expect(listed.error).toBe(FAILOVER_ERROR_FOR_USERS);
		expect((await root.get(`/api/logs?status=503&userId=${ids.me}&limit=500`)).body.items.find((i: { requestId: string }) => i.requestId === failed.request_id).error).toBe(
			FAILOVER_ERROR
		);
		const csv = await (await fetch(`${server.url}/api/logs?format=csv&status=503`, { headers: { cookie: user.auth.cookie!, origin: server.url } })).text();
		expect(csv).toContain(FAILOVER_ERROR_FOR_USERS);
		expect(csv).not.toMatch(/channel \d+:/);
		// The console pages read the same service.
		const pages = new WebClient(server.url);
		pages.cookies.set('elygate_session', user.auth.cookie!.replace('elygate_session=', ''));
		for (const path of [`/logs/${failed.request_id}`, '/logs?status=error', '/']) {
			const html = await pages.page(path);
			expect(html, path).not.toMatch(/channel (7|12):/);
		}
		expect(await pages.page(`/logs/${failed.request_id}`)).toContain(FAILOVER_ERROR_FOR_USERS);
	});

	test('bad query parameters are refused naming the parameter', async () => {
		for (const [query, field] of [
			['limit=0', 'limit'],
			['limit=501', 'limit'],
			['limit=ten', 'limit'],
			['before=req_nope', 'before'],
			['status=maybe', 'status'],
			['status=99', 'status'],
			['from=yesterday', 'from'],
			['to=2026-01-01', 'to'],
			[`from=${new Date(now).toISOString()}&to=${new Date(now - HOUR).toISOString()}`, 'to'],
			['userId=-1', 'userId'],
			['userId=99999999999', 'userId'],
			['keyId=x', 'keyId'],
			['format=xlsx', 'format']
		]) {
			expectError(await root.get(`/api/logs?${query}`), 400, field);
		}
	});
});

describe('CSV export', () => {
	/** Enough of RFC 4180 for our own output (no line breaks inside cells here). */
	function parseCsv(text: string): string[][] {
		return text
			.split('\r\n')
			.filter(Boolean)
			.map((line) => {
				const cells: string[] = [];
				let i = 0;
				for (;;) {
					let cell = '';
					if (line[i] === '"') {
						for (i++; i < line.length; i++) {
							if (line[i] === '"' && line[i + 1] === '"') (cell += '"'), i++;
							else if (line[i] === '"') break;
							else cell += line[i];
						}
						i++;
					} else {
						const end = line.indexOf(',', i);
						cell = line.slice(i, end === -1 ? line.length : end);
						i = end === -1 ? line.length : end;
					}
					cells.push(cell);
					if (line[i] !== ',') return cells;
					i++;
				}
			});
	}

	test('streams every matching row across pages, with the same filters', async () => {
		const res = await fetch(`${server.url}/api/logs?format=csv&userId=${ids.bulk}&limit=3`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toContain('text/csv');
		expect(res.headers.get('content-disposition')).toContain('attachment');
		const [header, ...lines] = parseCsv(await res.text());
		expect(header).toContain('channelName');
		const at = header!.indexOf('requestId');
		expect(lines.map((l) => l[at])).toEqual(newestFirst(rows.filter((r) => r.user_id === ids.bulk)));
		expect(lines.every((l) => l.length === header!.length)).toBe(true);
	});

	test('formula cells from models and errors come out neutralised', async () => {
		const res = await fetch(`${server.url}/api/logs?format=csv&status=502`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
		const text = await res.text();
		const [header, line] = parseCsv(text);
		expect(line![header!.indexOf('model')]).toBe(`'${EVIL_MODEL}`);
		expect(line![header!.indexOf('error')]).toBe(`'${EVIL_ERROR}`);
		expect(text).not.toMatch(/(^|,)"?[=@]/m);
	});

	test("a user's export holds only their rows and no channel columns", async () => {
		const res = await fetch(`${server.url}/api/logs?format=csv&userId=${ids.other}`, { headers: { cookie: user.auth.cookie!, origin: server.url } });
		expect(res.status).toBe(200);
		const [header, ...lines] = parseCsv(await res.text());
		expect(header).not.toContain('channelId');
		expect(header).not.toContain('channelName');
		expect(header).not.toContain('upstreamModel');
		expect(lines).toHaveLength(rows.filter((r) => r.user_id === ids.me).length);
		expect(new Set(lines.map((l) => l[header!.indexOf('userId')]))).toEqual(new Set([String(ids.me)]));
	});

	test('refusals come before the download starts', async () => {
		const res = await fetch(`${server.url}/api/logs?format=csv&status=nope`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
		expect(res.status).toBe(400);
		expect(((await res.json()) as { error: { field: string } }).error.field).toBe('status');
	});
});

describe('GET /api/usage', () => {
	const day = (r: Row) => r.created_at.toISOString().slice(0, 10);
	const from = () => new Date(now - 45 * DAY).toISOString().slice(0, 10);
	const to = () => new Date(now).toISOString().slice(0, 10);

	function sums(list: Row[]) {
		const cost = list.reduce((s, r) => s + r.cost, 0);
		return {
			requests: list.length,
			failures: list.filter((r) => r.status !== 200).length,
			promptTokens: list.reduce((s, r) => s + r.prompt_tokens, 0),
			completionTokens: list.reduce((s, r) => s + r.completion_tokens, 0),
			cacheReadTokens: list.reduce((s, r) => s + r.cache_read_tokens, 0),
			cost,
			costUsd: cost / 500_000
		};
	}

	function grouped(list: Row[], key: (r: Row) => Record<string, string | number>) {
		const groups = new Map<string, { key: Record<string, string | number>; rows: Row[] }>();
		for (const r of list) {
			const k = key(r);
			const id = JSON.stringify(k);
			const g = groups.get(id) ?? { key: k, rows: [] };
			g.rows.push(r);
			groups.set(id, g);
		}
		return [...groups.values()].map((g) => ({ ...g.key, ...sums(g.rows) }));
	}

	const canonical = (o: Record<string, unknown>) => JSON.stringify(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
	const sortRows = (list: Array<Record<string, unknown>>) => [...list].sort((a, b) => canonical(a).localeCompare(canonical(b)));

	test('groupings sum to what was inserted', async () => {
		const cases: Array<[string, (r: Row) => Record<string, string | number>]> = [
			['day', (r) => ({ day: day(r) })],
			['model', (r) => ({ model: r.model })],
			['day,model', (r) => ({ day: day(r), model: r.model })],
			['user', (r) => ({ userId: r.user_id })],
			['key', (r) => ({ keyId: r.api_key_id ?? 0 })],
			['channel,user', (r) => ({ channelId: r.channel_id ?? 0, userId: r.user_id })]
		];
		for (const [groupBy, key] of cases) {
			const res = await root.get(`/api/usage?from=${from()}&to=${to()}&groupBy=${groupBy}`);
			expect(res.status, JSON.stringify(res.body)).toBe(200);
			expect(res.body.groupBy).toEqual(groupBy.split(','));
			expect(sortRows(res.body.rows), groupBy).toEqual(sortRows(grouped(rows, key)));
			expect(res.body.totals).toEqual(sums(rows));
		}
	});

	test('filters and the default range', async () => {
		const res = await root.get(`/api/usage?from=${from()}&to=${to()}&groupBy=model&userId=${ids.me}&keyId=${ids.myKeyA}`);
		expect(sortRows(res.body.rows)).toEqual(sortRows(grouped(rows.filter((r) => r.user_id === ids.me && r.api_key_id === ids.myKeyA), (r) => ({ model: r.model }))));
		const byModel = await root.get(`/api/usage?from=${from()}&to=${to()}&model=claude-3&channelId=0`);
		expect(byModel.body.totals).toEqual(sums(rows.filter((r) => r.model === 'claude-3' && r.channel_id === null)));
		// Default: the last 30 days, so the 40-day-old rows are out.
		const recent = await root.get('/api/usage');
		expect(recent.body.to).toBe(to());
		expect(recent.body.from).toBe(new Date(Date.parse(to()) - 29 * DAY).toISOString().slice(0, 10));
		expect(recent.body.totals).toEqual(sums(rows.filter((r) => day(r) >= recent.body.from)));
	});

	test('a user sees only their own usage, and no channels', async () => {
		const res = await user.get(`/api/usage?from=${from()}&to=${to()}&groupBy=day,key&userId=${ids.other}`);
		expect(res.status).toBe(200);
		const mine = rows.filter((r) => r.user_id === ids.me);
		expect(sortRows(res.body.rows)).toEqual(sortRows(grouped(mine, (r) => ({ day: day(r), keyId: r.api_key_id ?? 0 }))));
		expect(res.body.totals).toEqual(sums(mine));
		expectError(await user.get('/api/usage?groupBy=day,channel'), 403, 'groupBy');
		expectError(await user.get(`/api/usage?channelId=${ids.channel}`), 403, 'channelId');
	});

	test('bad query parameters are refused naming the parameter', async () => {
		for (const [query, field] of [
			['groupBy=week', 'groupBy'],
			['groupBy=day,', 'groupBy'],
			['from=2026-13-01', 'from'],
			['from=2026-02-30', 'from'],
			['to=tomorrow', 'to'],
			['from=2026-05-02&to=2026-05-01', 'to'],
			['from=2024-01-01&to=2026-01-01', 'from'],
			['keyId=-3', 'keyId']
		]) {
			expectError(await root.get(`/api/usage?${query}`), 400, field);
		}
	});
});

describe('retention', () => {
	test('deletes log rows older than the retention in batches, keeping recent rows and every usage total', async () => {
		const usageBefore = await db.sql`select * from usage_daily order by day, user_id, api_key_id, channel_id, model`;
		const old = rows.filter((r) => r.created_at.getTime() < now - 30 * DAY);
		expect(old.length).toBe(11);

		// Off by default: nothing goes.
		expect((await root.post('/api/logs/retention/run', {})).body).toEqual({ deleted: 0, batches: 0, retentionDays: 0 });
		expect((await root.patch('/api/options', { 'logs.retention_days': 30 })).status).toBe(200);

		const res = await root.post('/api/logs/retention/run', { batchSize: 4 });
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		expect(res.body).toEqual({ deleted: old.length, batches: 3, retentionDays: 30 });

		const left = await db.sql<Array<{ request_id: string }>>`select request_id from request_logs order by request_id desc`;
		expect(left.map((r) => r.request_id)).toEqual(newestFirst(rows.filter((r) => !old.includes(r))));
		expect(await db.sql`select * from usage_daily order by day, user_id, api_key_id, channel_id, model`).toEqual(usageBefore);
		expect((await root.post('/api/logs/retention/run', {})).body).toEqual({ deleted: 0, batches: 0, retentionDays: 30 });
		const audit = await root.get('/api/audit?targetType=request_logs');
		expect(audit.body.items[0]).toMatchObject({ action: 'logs.retention_run', after: { deleted: 0 } });
	});

	test('one run at a time: a run finding the lock taken is refused and deletes nothing', async () => {
		const holder = await db.sql.reserve();
		try {
			await holder`select pg_advisory_lock(7146201904::bigint)`;
			const old = row(ids.me, now - 50 * DAY);
			await db.sql`insert into request_logs ${db.sql([old], Object.keys(old) as Array<keyof Row>)}`;
			expectError(await root.post('/api/logs/retention/run', {}), 409);
			expect(await db.sql`select 1 from request_logs where request_id = ${old.request_id}`).toHaveLength(1);
		} finally {
			await holder`select pg_advisory_unlock(7146201904::bigint)`;
			holder.release();
		}
	});

	test('the background job prunes soon after it starts, and stops cleanly', async () => {
		const pool = createPool(db.url, { max: 2 });
		const job = startRetentionJob({ db: pool.db, log: createLogger('silent', { json: true }), firstDelayMs: 10, intervalMs: 60_000 });
		try {
			await eventually(async () => expect(await db.sql`select 1 from request_logs where created_at < now() - interval '30 days'`).toHaveLength(0));
		} finally {
			await job.stop();
			await pool.sql.end({ timeout: 5 });
		}
	});
});
