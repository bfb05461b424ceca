/**
 * The console under a big log: seeds a throwaway database with `ROWS` request log rows (default
 * 1,000,000, spread over 30 days, 200 users, 20 keys each... see below) and their daily rollup,
 * starts the production build on it, signs in as root and as one user, and reports the server
 * time of the pages that read the log: admin overview, admin logs (first page, a filtered
 * page, a deep page), the user's logs and dashboard. A benchmark, not a test: it prints numbers.
 *
 *   bun run build && DATABASE_URL=postgres://postgres@127.0.0.1:5432/test bun bench/console.ts
 *
 *   ROWS      log rows to seed (default 1000000)
 *   RUNS      timed fetches per page after one warm-up (default 7; the median is reported)
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { newRequestId } from '../src/lib/server/http/request-id';
import { applyMigrations } from '../src/lib/server/db/migrate';

const ROWS = Number(process.env.ROWS || 1_000_000);
const RUNS = Number(process.env.RUNS || 7);
const USERS = 200;
const MODELS = ['gpt-4o-mini', 'gpt-4o', 'claude-sonnet-4-5', 'gemini-2.5-flash', 'deepseek-chat'];
const DAY_MS = 86_400_000;
const SECRET_KEY = Buffer.alloc(32, 'elygate-bench-secret').toString('base64');
const ROOT_PASSWORD = 'bench-root-password';
const USER_PASSWORD = 'bench-user-password';

const adminUrl = process.env.DATABASE_URL;
if (!adminUrl) throw new Error('DATABASE_URL is not set (any database on the server to use)');
const name = `elygate_bench_${randomBytes(6).toString('hex')}`;
const withDb = (db: string) => Object.assign(new URL(adminUrl), { pathname: `/${db}` }).toString();
const databaseUrl = withDb(name);

async function onServer(statement: string) {
	const sql = postgres(adminUrl!, { max: 1, onnotice: () => {} });
	try {
		await sql.unsafe(statement);
	} finally {
		await sql.end();
	}
}

async function seed(sql: postgres.Sql): Promise<void> {
	const hash = await Bun.password.hash(USER_PASSWORD);
	const users = await sql`
		insert into users (username, password_hash, quota, balance_version)
		select 'user' || g, ${hash}, 1000000000, 1 from generate_series(1, ${USERS}) g returning id`;
	const userIds = users.map((u) => u.id as number);
	await sql`insert into balance_changes (user_id, delta, balance_after, reason) select id, 1000000000, 1000000000, 'initial' from users where id = any(${userIds})`;
	const [channel] = await sql`insert into channels (type, name, base_url, models) values ('openai', 'bench', 'http://127.0.0.1:9/v1', ${sql.array(MODELS)}) returning id`;
	const now = Date.now();
	const batch = 50_000;
	for (let done = 0; done < ROWS; done += batch) {
		const n = Math.min(batch, ROWS - done);
		const times = Array.from({ length: n }, (_, i) => now - 30 * DAY_MS + Math.floor(((done + i) / ROWS) * 30 * DAY_MS));
		const ids = times.map((t) => newRequestId(t));
		const who = times.map((_, i) => userIds[(done + i) % USERS]!);
		const model = times.map((_, i) => MODELS[(done + i) % MODELS.length]!);
		const status = times.map((_, i) => ((done + i) % 50 === 0 ? 502 : 200));
		await sql`
			insert into request_logs (request_id, created_at, user_id, api_key_id, channel_id, model, door, prompt_tokens, completion_tokens, cost, status, latency_ms)
			select id, to_timestamp(t / 1000.0), u, null, ${channel!.id}, m, 'chat', 120, 40, case when s = 200 then 75 else 0 end, s, 300
			from unnest(${sql.array(ids)}::text[], ${sql.array(times)}::float8[], ${sql.array(who)}::int[], ${sql.array(model)}::text[], ${sql.array(status)}::int[]) as x(id, t, u, m, s)`;
		process.stderr.write(`\rseeded ${(done + n).toLocaleString('en-US')} rows`);
	}
	process.stderr.write('\n');
	await sql`
		insert into usage_daily (day, user_id, api_key_id, channel_id, model, requests, failures, prompt_tokens, completion_tokens, cache_read_tokens, cost)
		select (created_at at time zone 'UTC')::date, user_id, 0, channel_id, model, count(*), count(*) filter (where status <> 200), sum(prompt_tokens), sum(completion_tokens), 0, sum(cost)
		from request_logs group by 1, 2, 3, 4, 5`;
	await sql`
		update users u set quota = u.quota - l.cost, used_quota = l.cost, request_count = l.n
		from (select user_id, sum(cost) as cost, count(*) as n from request_logs group by user_id) l where u.id = l.user_id`;
	await sql`analyze`;
}

async function signIn(base: string, username: string, password: string): Promise<string> {
	const res = await fetch(`${base}/login`, {
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
		body: new URLSearchParams({ username, password }),
		redirect: 'manual'
	});
	const cookie = res.headers.getSetCookie().find((c) => c.startsWith('elygate_session='));
	if (!cookie) throw new Error(`could not sign in as ${username} (HTTP ${res.status})`);
	return cookie.split(';')[0]!;
}

async function time(base: string, cookie: string, path: string): Promise<{ median: number; status: number }> {
	const once = async () => {
		const started = performance.now();
		const res = await fetch(`${base}${path}`, { headers: { cookie } });
		await res.text();
		return { ms: performance.now() - started, status: res.status };
	};
	await once();
	const runs: number[] = [];
	let status = 0;
	for (let i = 0; i < RUNS; i++) {
		const r = await once();
		runs.push(r.ms);
		status = r.status;
	}
	runs.sort((a, b) => a - b);
	return { median: runs[Math.floor(runs.length / 2)]!, status };
}

await onServer(`create database "${name}"`);
let server: ReturnType<typeof Bun.spawn> | undefined;
try {
	await applyMigrations(databaseUrl, join(import.meta.dir, '..', 'drizzle'));
	const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
	const seedStarted = performance.now();
	await seed(sql);
	console.error(`seeding took ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);
	const [{ firstLogId }] = (await sql`select min(request_id) as "firstLogId" from request_logs`) as unknown as [{ firstLogId: string }];
	await sql.end();

	const port = 19_300 + Math.floor(Math.random() * 500);
	server = Bun.spawn(['bun', 'build/elygate.js'], {
		cwd: join(import.meta.dir, '..'),
		env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: databaseUrl, ELYGATE_SECRET_KEY: SECRET_KEY, ELYGATE_ROOT_PASSWORD: ROOT_PASSWORD, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ELYGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'elygate-console-bench-')) },
		stdout: 'inherit',
		stderr: 'inherit'
	});
	const base = `http://127.0.0.1:${port}`;
	for (let i = 0; ; i++) {
		if ((await fetch(`${base}/api/ready`).then((r) => r.status).catch(() => 0)) === 200) break;
		if (i > 300) throw new Error('the server did not get ready');
		await Bun.sleep(100);
	}
	const root = await signIn(base, 'root', ROOT_PASSWORD);
	const user = await signIn(base, 'user1', USER_PASSWORD);
	const pages: Array<[who: string, cookie: string, path: string]> = [
		['root', root, '/admin'],
		['root', root, '/admin?days=90'],
		['root', root, '/admin/logs'],
		['root', root, '/admin/logs?status=error'],
		['root', root, '/admin/logs?model=claude-sonnet-4-5&userId=7'],
		['root', root, `/admin/logs?before=${encodeURIComponent(firstLogId)}`],
		['user1', user, '/'],
		['user1', user, '/logs']
	];
	console.log(`| page (${ROWS.toLocaleString('en-US')} log rows) | as | HTTP | server time, median of ${RUNS} (ms) |`);
	console.log('|---|---|--:|--:|');
	for (const [who, cookie, path] of pages) {
		const { median, status } = await time(base, cookie, path);
		console.log(`| \`${path}\` | ${who} | ${status} | ${median.toFixed(1)} |`);
	}
} finally {
	server?.kill('SIGTERM');
	await server?.exited;
	await onServer(`drop database if exists "${name}" with (force)`);
}
