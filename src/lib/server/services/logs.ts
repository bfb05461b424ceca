import { and, asc, desc, eq, gte, inArray, isNull, lt, ne, sql, type SQL } from 'drizzle-orm';
import { quotaToUsd } from '../../money';
import { m } from '../../paraglide/messages';
import { logQuery, type LogQuery } from '../../schemas/reports';
import { csvLine, type CsvCell } from '../api/csv';
import type { DbLike } from '../db';
import { apiKeys, channels, requestLogs, users, type RequestLog } from '../db/schema';
import { firstRequestIdAt } from '../http/request-id';
import { canRead, type Actor } from './actor';
import type { ServiceContext } from './context';
import { ServiceError, fieldError, parseInput, say } from './errors';

/** Columns of the row that only administrators see, besides the names looked up for them. */
type AdminColumns = 'channelId' | 'upstreamModel' | 'attempts';

/**
 * One request log row as the API shows it: the row's own columns (the key's id as `keyId`),
 * the names looked up for its ids, and its cost in USD; the optional fields are for
 * administrators only.
 */
export interface LogItem extends Omit<RequestLog, 'apiKeyId' | AdminColumns>, Partial<Pick<RequestLog, AdminColumns>> {
	username?: string | null;
	keyId: RequestLog['apiKeyId'];
	keyName: string | null;
	channelName?: string | null;
	costUsd: number;
}

export interface LogPage {
	items: LogItem[];
	/** Pass as `before` for the next (older) page; null on the last page. */
	next: string | null;
}

/**
 * Who may see each field, in the CSV export's column order. Every field of the item is listed,
 * so a column added to request_logs does not compile until it has its place here.
 */
const CSV_COLUMNS: Record<keyof LogItem, 'everyone' | 'admin'> = {
	requestId: 'everyone',
	clientRequestId: 'everyone',
	createdAt: 'everyone',
	userId: 'everyone',
	username: 'admin',
	keyId: 'everyone',
	keyName: 'everyone',
	channelId: 'admin',
	channelName: 'admin',
	model: 'everyone',
	upstreamModel: 'admin',
	door: 'everyone',
	stream: 'everyone',
	promptTokens: 'everyone',
	completionTokens: 'everyone',
	cacheReadTokens: 'everyone',
	cacheWriteTokens: 'everyone',
	reasoningTokens: 'everyone',
	estimated: 'everyone',
	usageClamped: 'everyone',
	modelRatio: 'everyone',
	completionRatio: 'everyone',
	groupRatio: 'everyone',
	cacheReadRatio: 'everyone',
	cacheWriteRatio: 'everyone',
	pricePerRequestUsd: 'everyone',
	cost: 'everyone',
	costUsd: 'everyone',
	status: 'everyone',
	latencyMs: 'everyone',
	firstTokenMs: 'everyone',
	attempts: 'admin',
	error: 'everyone',
	errorCode: 'everyone',
	repeatCount: 'everyone',
	clientIp: 'everyone'
};
const CSV_KEYS = Object.keys(CSV_COLUMNS) as Array<keyof LogItem>;

// The ledger stamps created_at with the call's start and makes the id a moment later, on the
// same clock; this slack keeps the id range a superset of the created_at range all the same.
const ID_SLACK_MS = 60_000;

interface Scope {
	where: SQL | undefined;
	/** Sees other users' names and the channel internals. */
	admin: boolean;
}

/** Readers see everything they filter for; a user sees only their own calls and never channels. */
function scopeOf(actor: Actor, q: LogQuery): Scope {
	const admin = canRead(actor);
	let userId = q.userId;
	if (!admin) {
		if (actor.kind !== 'user') throw new ServiceError('forbidden', 'Administrators only.');
		if (q.channelId !== undefined) throw fieldError('forbidden', 'channelId', say(m.logs_channels_internal, {}));
		userId = actor.id;
	}
	const from = q.from ? Date.parse(q.from) : undefined;
	const to = q.to ? Date.parse(q.to) : undefined;
	const where = and(
		userId !== undefined ? eq(requestLogs.userId, userId) : undefined,
		q.keyId === undefined ? undefined : q.keyId === 0 ? isNull(requestLogs.apiKeyId) : eq(requestLogs.apiKeyId, q.keyId),
		q.channelId === undefined ? undefined : q.channelId === 0 ? isNull(requestLogs.channelId) : eq(requestLogs.channelId, q.channelId),
		q.model !== undefined ? eq(requestLogs.model, q.model) : undefined,
		statusCondition(q.status),
		// The id bounds let the (user_id, request_id) index or the primary key narrow the scan;
		// the created_at conditions make the answer exact.
		from !== undefined ? gte(requestLogs.requestId, firstRequestIdAt(from - ID_SLACK_MS)) : undefined,
		from !== undefined ? gte(requestLogs.createdAt, new Date(from)) : undefined,
		to !== undefined ? lt(requestLogs.requestId, firstRequestIdAt(to + ID_SLACK_MS)) : undefined,
		to !== undefined ? lt(requestLogs.createdAt, new Date(to)) : undefined
	);
	return { where, admin };
}

function statusCondition(status: string | undefined): SQL | undefined {
	if (status === undefined) return undefined;
	if (status === 'ok') return eq(requestLogs.status, 200);
	if (status === 'error') return ne(requestLogs.status, 200);
	return eq(requestLogs.status, Number(status));
}

/** Newest first: request ids are time-ordered, so this walks an index backwards. */
function fetchPage(db: DbLike, where: SQL | undefined, before: string | undefined, limit: number): Promise<RequestLog[]> {
	return db
		.select()
		.from(requestLogs)
		.where(and(where, before ? lt(requestLogs.requestId, before) : undefined))
		.orderBy(desc(requestLogs.requestId))
		.limit(limit);
}

async function namesOf(db: DbLike, table: typeof users | typeof apiKeys | typeof channels, ids: Set<number | null>): Promise<Map<number, string>> {
	const wanted = [...ids].filter((id): id is number => id !== null);
	if (wanted.length === 0) return new Map();
	const name = table === users ? users.username : table === apiKeys ? apiKeys.name : channels.name;
	const rows = await db.select({ id: table.id, name }).from(table).where(inArray(table.id, wanted));
	return new Map(rows.map((r) => [r.id, r.name]));
}

/**
 * A failed call's error as its user may read it. The relay writes one "channel 3: 500 …" part
 * per attempt for administrators; which channels serve a user is internal to the gateway, so
 * each part's channel (with a name, should one be given in parentheses) reads "upstream".
 */
export function errorForUser(error: string | null): string | null {
	return error === null ? null : error.replace(/(^|; )channel \d+(?: \([^)]*\))?: /g, '$1upstream: ');
}

/** Names are looked up per page by primary key rather than joined, so the page query keeps its plan. */
async function describe(db: DbLike, rows: RequestLog[], admin: boolean): Promise<LogItem[]> {
	const [keyNames, usernames, channelNames] = await Promise.all([
		namesOf(db, apiKeys, new Set(rows.map((r) => r.apiKeyId))),
		admin ? namesOf(db, users, new Set(rows.map((r) => r.userId))) : new Map<number, string>(),
		admin ? namesOf(db, channels, new Set(rows.map((r) => r.channelId))) : new Map<number, string>()
	]);
	return rows.map((r) => {
		const item: LogItem = {
			requestId: r.requestId,
			clientRequestId: r.clientRequestId,
			createdAt: r.createdAt,
			userId: r.userId,
			keyId: r.apiKeyId,
			keyName: r.apiKeyId === null ? null : (keyNames.get(r.apiKeyId) ?? null),
			model: r.model,
			door: r.door,
			stream: r.stream,
			promptTokens: r.promptTokens,
			completionTokens: r.completionTokens,
			cacheReadTokens: r.cacheReadTokens,
			cacheWriteTokens: r.cacheWriteTokens,
			reasoningTokens: r.reasoningTokens,
			estimated: r.estimated,
			usageClamped: r.usageClamped,
			modelRatio: r.modelRatio,
			completionRatio: r.completionRatio,
			groupRatio: r.groupRatio,
			cacheReadRatio: r.cacheReadRatio,
			cacheWriteRatio: r.cacheWriteRatio,
			pricePerRequestUsd: r.pricePerRequestUsd,
			cost: r.cost,
			costUsd: quotaToUsd(r.cost),
			status: r.status,
			latencyMs: r.latencyMs,
			firstTokenMs: r.firstTokenMs,
			error: admin ? r.error : errorForUser(r.error),
			errorCode: r.errorCode,
			repeatCount: r.repeatCount,
			clientIp: r.clientIp
		};
		if (admin) {
			item.username = usernames.get(r.userId) ?? null;
			item.channelId = r.channelId;
			item.channelName = r.channelId === null ? null : (channelNames.get(r.channelId) ?? null);
			item.upstreamModel = r.upstreamModel;
			item.attempts = r.attempts;
		}
		return item;
	});
}

/** One page of the request log, newest first, with a cursor for the next. */
export async function listLogs(ctx: ServiceContext, actor: Actor, input: unknown): Promise<LogPage> {
	const q = parseInput(logQuery, input);
	const scope = scopeOf(actor, q);
	const rows = await fetchPage(ctx.db, scope.where, q.before, q.limit + 1);
	const page = rows.slice(0, q.limit);
	return { items: await describe(ctx.db, page, scope.admin), next: rows.length > q.limit ? page[page.length - 1]!.requestId : null };
}

export const CSV_PAGE_ROWS = 1000;
export const CSV_MAX_ROWS = 1_000_000;

/**
 * Every matching row as CSV, newest first. Pages are read as the client consumes the stream,
 * so memory holds one page whatever the export's size; the cap bounds how long one export
 * can keep a connection busy. Access and filters are checked before the first byte.
 */
export function exportLogsCsv(ctx: ServiceContext, actor: Actor, input: unknown): ReadableStream<Uint8Array> {
	const q = parseInput(logQuery, input);
	const scope = scopeOf(actor, q);
	const columns = CSV_KEYS.filter((key) => scope.admin || CSV_COLUMNS[key] === 'everyone');
	const encoder = new TextEncoder();
	let cursor = q.before;
	let sent = 0;
	let started = false;
	return new ReadableStream<Uint8Array>({
		async pull(controller) {
			if (!started) {
				started = true;
				controller.enqueue(encoder.encode(csvLine(columns)));
			}
			const want = Math.min(CSV_PAGE_ROWS, CSV_MAX_ROWS - sent);
			const rows = want > 0 ? await fetchPage(ctx.db, scope.where, cursor, want) : [];
			if (rows.length > 0) {
				const items = await describe(ctx.db, rows, scope.admin);
				let text = '';
				for (const item of items) text += csvLine(columns.map((key) => item[key] as CsvCell));
				controller.enqueue(encoder.encode(text));
				sent += rows.length;
				cursor = rows[rows.length - 1]!.requestId;
			}
			if (rows.length < want || sent >= CSV_MAX_ROWS) controller.close();
		}
	});
}

/** One call by its request id; a user gets only their own (anyone else's is not found). */
export async function getLog(ctx: ServiceContext, actor: Actor, requestId: string): Promise<LogItem> {
	const scope = scopeOf(actor, parseInput(logQuery, {}));
	const [row] = await ctx.db
		.select()
		.from(requestLogs)
		.where(and(scope.where, eq(requestLogs.requestId, requestId)))
		.limit(1);
	if (!row) throw new ServiceError('not_found', say(m.logs_not_found, {}));
	const [item] = await describe(ctx.db, [row], scope.admin);
	return item!;
}

/** A log filter's user and key as a person types them: a name, or an id. */
export interface LogNames {
	user?: string;
	key?: string;
}

/**
 * The ids a log filter's names stand for (administrators and readers): a user by username
 * (any case) or id, a key by name (within that user's keys when a user is given) or by id,
 * written `12` or `#12`. A name that matches nothing, or a key name several keys share, is
 * refused beside its field rather than matching everybody.
 */
export async function resolveLogNames(ctx: ServiceContext, actor: Actor, names: LogNames): Promise<{ userId?: number; keyId?: number }> {
	if (!canRead(actor)) throw new ServiceError('forbidden', 'Administrators only.');
	const out: { userId?: number; keyId?: number } = {};
	const user = names.user?.trim();
	if (user) {
		const [found] = await ctx.db
			.select({ id: users.id })
			.from(users)
			.where(sql`lower(${users.username}) = lower(${user})`)
			.orderBy(sql`${users.deletedAt} is not null`, desc(users.id))
			.limit(1);
		if (found) out.userId = found.id;
		else if (/^#?\d{1,10}$/.test(user) && Number(user.replace('#', '')) <= 2_147_483_647) out.userId = Number(user.replace('#', ''));
		else throw fieldError('not_found', 'user', say(m.logs_no_such_user, { name: user }));
	}
	const key = names.key?.trim();
	if (key) {
		const id = /^#?\d{1,10}$/.test(key) ? Number(key.replace('#', '')) : undefined;
		const named = await ctx.db
			.select({ id: apiKeys.id })
			.from(apiKeys)
			.where(and(eq(apiKeys.name, key), out.userId === undefined ? undefined : eq(apiKeys.userId, out.userId)))
			.orderBy(asc(apiKeys.id))
			.limit(2);
		if (named.length === 1) out.keyId = named[0]!.id;
		else if (named.length > 1) throw fieldError('invalid_request', 'key', say(m.logs_key_ambiguous, { name: key }));
		else if (id !== undefined && id <= 2_147_483_647) out.keyId = id;
		else throw fieldError('not_found', 'key', user ? say(m.logs_no_such_key_of, { name: key, user }) : say(m.logs_no_such_key, { name: key }));
	}
	return out;
}

