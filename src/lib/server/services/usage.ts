import { and, asc, eq, gte, lte, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { quotaToUsd } from '../../money';
import { usageQuery, type UsageGroup } from '../../schemas/reports';
import { usageDaily } from '../db/schema';
import { canRead, type Actor } from './actor';
import type { ServiceContext } from './context';
import { ServiceError, fieldError, parseInput } from './errors';

export interface UsageTotals {
	requests: number;
	failures: number;
	promptTokens: number;
	completionTokens: number;
	cacheReadTokens: number;
	cost: number;
	costUsd: number;
}

export interface UsageRow extends UsageTotals {
	day?: string;
	model?: string;
	channelId?: number;
	userId?: number;
	keyId?: number;
}

export interface UsageReport {
	from: string;
	to: string;
	groupBy: UsageGroup[];
	rows: UsageRow[];
	totals: UsageTotals;
}

const DAY_MS = 86_400_000;
export const USAGE_DEFAULT_DAYS = 30;
export const USAGE_MAX_DAYS = 400;

/** Where each grouping lives, and its name in the answer. */
const GROUP_COLUMNS: Record<UsageGroup, { field: 'day' | 'model' | 'channelId' | 'userId' | 'keyId'; column: AnyPgColumn }> = {
	day: { field: 'day', column: usageDaily.day },
	model: { field: 'model', column: usageDaily.model },
	channel: { field: 'channelId', column: usageDaily.channelId },
	user: { field: 'userId', column: usageDaily.userId },
	key: { field: 'keyId', column: usageDaily.apiKeyId }
};

const sumOf = (column: AnyPgColumn) => sql<number>`coalesce(sum(${column}), 0)::bigint`.mapWith(Number);

const SUMS = {
	requests: sumOf(usageDaily.requests),
	failures: sumOf(usageDaily.failures),
	promptTokens: sumOf(usageDaily.promptTokens),
	completionTokens: sumOf(usageDaily.completionTokens),
	cacheReadTokens: sumOf(usageDaily.cacheReadTokens),
	cost: sumOf(usageDaily.cost)
};

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function dayRange(from: string | undefined, to: string | undefined): { from: string; to: string } {
	const toDay = to ?? isoDay(Date.now());
	const fromDay = from ?? isoDay(Date.parse(toDay) - (USAGE_DEFAULT_DAYS - 1) * DAY_MS);
	const days = (Date.parse(toDay) - Date.parse(fromDay)) / DAY_MS + 1;
	if (days < 1) throw fieldError('invalid_request', 'to', 'the last day comes before the first.');
	if (days > USAGE_MAX_DAYS) throw fieldError('invalid_request', 'from', `at most ${USAGE_MAX_DAYS} days at a time.`);
	return { from: fromDay, to: toDay };
}

/**
 * Usage totals from the daily rollup (never the request log, so they are cheap and survive log
 * retention). A user sees only their own usage; channels are internal, so users may neither
 * group nor filter by channel (refused rather than silently anonymised, so a report never
 * looks complete when it is not).
 */
export async function getUsage(ctx: ServiceContext, actor: Actor, input: unknown): Promise<UsageReport> {
	const q = parseInput(usageQuery, input);
	const groupBy = [...new Set(q.groupBy.split(','))] as UsageGroup[];
	const admin = canRead(actor);
	let userId = q.userId;
	if (!admin) {
		if (actor.kind !== 'user') throw new ServiceError('forbidden', 'Administrators only.');
		if (groupBy.includes('channel')) throw fieldError('forbidden', 'groupBy', 'channels are internal to the gateway.');
		if (q.channelId !== undefined) throw fieldError('forbidden', 'channelId', 'channels are internal to the gateway.');
		userId = actor.id;
	}
	const range = dayRange(q.from, q.to);
	// (user_id, day) serves a user's report; the primary key, which leads with day, the rest.
	const where: SQL | undefined = and(
		userId !== undefined ? eq(usageDaily.userId, userId) : undefined,
		gte(usageDaily.day, range.from),
		lte(usageDaily.day, range.to),
		q.model !== undefined ? eq(usageDaily.model, q.model) : undefined,
		q.channelId !== undefined ? eq(usageDaily.channelId, q.channelId) : undefined,
		q.keyId !== undefined ? eq(usageDaily.apiKeyId, q.keyId) : undefined
	);
	const groups = groupBy.map((g) => GROUP_COLUMNS[g]);
	const keys = Object.fromEntries(groups.map((g) => [g.field, g.column]));
	const [grouped, [totals]] = await Promise.all([
		ctx.db
			.select({ ...keys, ...SUMS })
			.from(usageDaily)
			.where(where)
			.groupBy(...groups.map((g) => g.column))
			.orderBy(...groups.map((g) => asc(g.column))),
		ctx.db.select(SUMS).from(usageDaily).where(where)
	]);
	const withUsd = <T extends { cost: number }>(row: T) => ({ ...row, costUsd: quotaToUsd(row.cost) });
	return {
		...range,
		groupBy,
		rows: grouped.map((row) => withUsd(row as UsageRow)),
		totals: withUsd(totals ?? { requests: 0, failures: 0, promptTokens: 0, completionTokens: 0, cacheReadTokens: 0, cost: 0 })
	};
}
