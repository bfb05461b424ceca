/**
 * A real New-API database to import from, on any of the engines New-API runs on: MariaDB on
 * 127.0.0.1:3306 (root, no password), the machine's PostgreSQL 15 on 127.0.0.1:5432 (postgres,
 * trust), or a SQLite file. Each call makes a fresh database (`newapi_<random>`) with New-API's
 * schema (newapi-schema.ts) and a read-write connection for seeding; `drop()` removes it.
 * A server that does not answer fails the call with what to start: these tests never skip.
 * .ci/run starts both servers before the suite.
 */
import { Database } from 'bun:sqlite';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import postgres from 'postgres';
import { newApiDdl, quoteIdent, type NewApiDialect } from './newapi-schema';

export type { NewApiDialect } from './newapi-schema';

export const NEWAPI_MYSQL = { host: '127.0.0.1', port: 3306, user: 'root' } as const;
export const NEWAPI_POSTGRES_ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface NewApiTestDb {
	dialect: NewApiDialect;
	/** What `import-newapi --from` takes. */
	url: string;
	/** Inserts rows one by one (each with its own columns); a Date or object value is stored as the engine and GORM store it. */
	insert(table: string, rows: Record<string, unknown>[]): Promise<void>;
	/** Runs one statement read-write (to change the schema, or a row, under a test). */
	exec(sql: string): Promise<void>;
	count(table: string): Promise<number>;
	drop(): Promise<void>;
}

export async function createNewApiDatabase(dialect: NewApiDialect): Promise<NewApiTestDb> {
	const name = `newapi_${randomBytes(6).toString('hex')}`;
	const db = dialect === 'mysql' ? await mysqlDatabase(name) : dialect === 'postgres' ? await postgresDatabase(name) : sqliteDatabase(name);
	try {
		for (const statement of newApiDdl(dialect)) await db.exec(statement);
	} catch (err) {
		await db.drop();
		throw err;
	}
	return db;
}

/** A bcrypt hash as New-API stores one: Go's golang.org/x/crypto/bcrypt writes `$2a$10$…`, Bun `$2b$10$…`, the same algorithm. */
export async function bcryptLikeNewApi(password: string): Promise<string> {
	const hash = await Bun.password.hash(password, { algorithm: 'bcrypt', cost: 10 });
	return hash.replace(/^\$2b\$/, '$2a$');
}

/** The password of every newApiUser() unless it is given one; NEWAPI_PASSWORD_HASH is its hash (bcryptLikeNewApi, made once). */
export const NEWAPI_PASSWORD = 'newapi-password';
export const NEWAPI_PASSWORD_HASH = '$2a$10$T9xZppd0PbD2FVCGW4C7KOwh.lm8DHCbAJ62T9hN7kodAAVAF3VjG';

/** A users row with New-API's defaults (role 1 = common user, status 1 = enabled, quota in 1/500000 USD). */
export function newApiUser(fields: Record<string, unknown> & { id: number; username: string }): Record<string, unknown> {
	return {
		password: NEWAPI_PASSWORD_HASH,
		display_name: fields.username,
		role: 1,
		status: 1,
		email: '',
		quota: 0,
		used_quota: 0,
		request_count: 0,
		group: 'default',
		aff_code: randomBytes(2).toString('hex') + String(fields.id),
		created_at: 1_700_000_000,
		...fields
	};
}

/** A tokens row with New-API's defaults (the key without its `sk-` prefix, as New-API stores it; -1 = never expires). */
export function newApiToken(fields: Record<string, unknown> & { id: number; user_id: number }): Record<string, unknown> {
	return {
		key: randomBytes(24).toString('base64url').slice(0, 48),
		status: 1,
		name: `token-${fields.id}`,
		created_time: 1_700_000_000,
		accessed_time: 1_700_000_000,
		expired_time: -1,
		remain_quota: 0,
		unlimited_quota: true,
		model_limits_enabled: false,
		model_limits: '',
		allow_ips: '',
		used_quota: 0,
		group: '',
		...fields
	};
}

function unavailable(what: string, err: unknown): Error {
	const reason = err instanceof Error ? err.message || ('code' in err ? String(err.code) : err.name) : String(err);
	return new Error(`the New-API import tests need ${what}, which could not be used (${reason}); .ci/run starts it`, { cause: err });
}

async function mysqlDatabase(name: string): Promise<NewApiTestDb> {
	let admin: mysql.Connection;
	try {
		admin = await mysql.createConnection({ ...NEWAPI_MYSQL, connectTimeout: 5_000 });
	} catch (err) {
		throw unavailable(`MariaDB on ${NEWAPI_MYSQL.host}:${NEWAPI_MYSQL.port} (user root, no password)`, err);
	}
	try {
		await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
		await admin.query(`USE \`${name}\``);
	} catch (err) {
		await admin.end();
		throw unavailable(`MariaDB on ${NEWAPI_MYSQL.host}:${NEWAPI_MYSQL.port} (user root, no password)`, err);
	}
	const q = (n: string) => quoteIdent('mysql', n);
	return {
		dialect: 'mysql',
		url: `mysql://${NEWAPI_MYSQL.user}@${NEWAPI_MYSQL.host}:${NEWAPI_MYSQL.port}/${name}`,
		async insert(table, rows) {
			for (const row of rows) {
				const entries = Object.entries(row).filter(([, v]) => v !== undefined);
				const text = `INSERT INTO ${q(table)} (${entries.map(([k]) => q(k)).join(',')}) VALUES (${entries.map(() => '?').join(',')})`;
				await admin.query(text, entries.map(([, v]) => stored(v)));
			}
		},
		async exec(sql) {
			await admin.query(sql);
		},
		async count(table) {
			const [rows] = await admin.query<mysql.RowDataPacket[]>(`SELECT count(*) AS n FROM ${q(table)}`);
			return Number(rows[0]!.n);
		},
		async drop() {
			await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
			await admin.end();
		}
	};
}

async function postgresDatabase(name: string): Promise<NewApiTestDb> {
	const admin = postgres(NEWAPI_POSTGRES_ADMIN, { max: 1, connect_timeout: 5, onnotice: () => {} });
	try {
		await admin.unsafe(`create database "${name}"`);
	} catch (err) {
		await admin.end({ timeout: 1 });
		throw unavailable('PostgreSQL 15 on 127.0.0.1:5432 (user postgres, trust)', err);
	}
	const url = `postgres://postgres@127.0.0.1:5432/${name}`;
	const sql = postgres(url, { max: 1, onnotice: () => {} });
	const q = (n: string) => quoteIdent('postgres', n);
	return {
		dialect: 'postgres',
		url,
		async insert(table, rows) {
			for (const row of rows) {
				const entries = Object.entries(row).filter(([, v]) => v !== undefined);
				const text = `insert into ${q(table)} (${entries.map(([k]) => q(k)).join(',')}) values (${entries.map((_, i) => `$${i + 1}`).join(',')})`;
				// The client serializes a value bound to a json column itself: an object goes as it is.
				await sql.unsafe(text, entries.map(([, v]) => v) as postgres.ParameterOrJSON<never>[]);
			}
		},
		async exec(statement) {
			await sql.unsafe(statement);
		},
		async count(table) {
			const [row] = await sql.unsafe(`select count(*)::int as n from ${q(table)}`);
			return Number(row!.n);
		},
		async drop() {
			await sql.end({ timeout: 5 });
			try {
				await admin.unsafe(`drop database if exists "${name}" with (force)`);
			} finally {
				await admin.end({ timeout: 5 });
			}
		}
	};
}

function sqliteDatabase(name: string): NewApiTestDb {
	const dir = mkdtempSync(join(tmpdir(), 'elygate-newapi-'));
	const path = join(dir, `${name}.db`);
	const db = new Database(path, { create: true, strict: true });
	const q = (n: string) => quoteIdent('sqlite', n);
	return {
		dialect: 'sqlite',
		url: `sqlite://${path}`,
		async insert(table, rows) {
			for (const row of rows) {
				const entries = Object.entries(row).filter(([, v]) => v !== undefined);
				const text = `INSERT INTO ${q(table)} (${entries.map(([k]) => q(k)).join(',')}) VALUES (${entries.map(() => '?').join(',')})`;
				db.query(text).run(...entries.map(([, v]) => storedSqlite(v)));
			}
		},
		async exec(statement) {
			db.run(statement);
		},
		async count(table) {
			return Number(db.query<{ n: number }, []>(`SELECT count(*) AS n FROM ${q(table)}`).get()!.n);
		},
		async drop() {
			db.close();
			rmSync(dir, { recursive: true, force: true });
		}
	};
}

/** Objects (channel_info, settings) are stored as their JSON text; Dates and the rest as the client sends them. */
function stored(value: unknown): unknown {
	if (value === null || value instanceof Date || Buffer.isBuffer(value) || typeof value !== 'object') return value;
	return JSON.stringify(value);
}

/** Go's SQLite drivers store a time as `2006-01-02 15:04:05.999-07:00` text and a bool as 0/1. */
function storedSqlite(value: unknown): string | number | bigint | null | Uint8Array {
	if (value instanceof Date) return value.toISOString().replace('T', ' ').replace('Z', '+00:00');
	if (typeof value === 'boolean') return value ? 1 : 0;
	const v = stored(value);
	if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || v instanceof Uint8Array) return v;
	throw new Error(`cannot store ${typeof v} in SQLite`);
}
