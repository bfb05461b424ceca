import { and, asc, eq, gte, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { quotaToUsd } from '../../money';
import { usageQuery, type UsageGroup } from '../../schemas/reports';
import { usageDaily, usageHourly } from '../db/schema';
import { dayBounds, daysAreUtcDays, daysFrom } from '../../time-zone';
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
/** How far back hourly usage is kept: the console's longest view (90 days) and a margin. */
export const USAGE_HOURLY_DAYS = 120;

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

/** What the console's dashboards ask for: days as a zone lives them. */
export interface ZonedUsageInput {
	/** An IANA zone, validated by the caller (src/lib/time-zone.ts). */
	zone: string;
	/** First and last day in that zone, inclusive. */
	from: string;
	to: string;
	groupBy: Array<'day' | 'model' | 'channel' | 'user'>;
	/** One user's usage (administrators; everyone else always gets their own). */
	userId?: number;
}

const HOURLY_SUMS = {
	requests: sumOf(usageHourly.requests),
	failures: sumOf(usageHourly.failures),
	promptTokens: sumOf(usageHourly.promptTokens),
	completionTokens: sumOf(usageHourly.completionTokens),
	cacheReadTokens: sumOf(usageHourly.cacheReadTokens),
	cost: sumOf(usageHourly.cost)
};

/**
 * Usage by the days of `zone` (the console's "today" and charts). Where those days are UTC
 * days this is `getUsage`, from the daily rollup; otherwise it reads the hourly rollup, each
 * hour counted in the day it begins in (exact for every zone whose offset is whole hours; a
 * day in India begins at 00:30 here). Same permissions as `getUsage`: a user sees only their
 * own usage and no channels.
 */
export async function getZonedUsage(ctx: ServiceContext, actor: Actor, input: ZonedUsageInput): Promise<UsageReport> {
	const { zone, from, to } = input;
	const groupBy = [...new Set(input.groupBy)];
	if (daysAreUtcDays(zone, from, to)) return getUsage(ctx, actor, { from, to, groupBy: groupBy.join(',') || 'day', userId: input.userId });
	let userId = input.userId;
	if (!canRead(actor)) {
		if (actor.kind !== 'user') throw new ServiceError('forbidden', 'Administrators only.');
		if (groupBy.includes('channel')) throw fieldError('forbidden', 'groupBy', 'channels are internal to the gateway.');
		userId = actor.id;
	}
	const days = daysFrom(from, to);
	if (days.length < 1 || days.length > USAGE_HOURLY_DAYS) throw fieldError('invalid_request', 'from', `at most ${USAGE_HOURLY_DAYS} days at a time.`);
	// An hour belongs to the day its start falls in: bounds rounded up to whole hours.
	const bounds = dayBounds(zone, from, to).map((t) => new Date(Math.ceil(t / 3_600_000) * 3_600_000));
	const thresholds = sql.join(
		bounds.map((b) => sql`${b.toISOString()}::timestamptz`),
		sql`, `
	);
	const dayIndex = sql<number>`width_bucket(${usageHourly.hour}, array[${thresholds}])`.mapWith(Number);
	const where = and(
		userId !== undefined ? eq(usageHourly.userId, userId) : undefined,
		gte(usageHourly.hour, bounds[0]!),
		lt(usageHourly.hour, bounds.at(-1)!)
	);
	const columns = {
		...(groupBy.includes('day') ? { dayIndex } : {}),
		...(groupBy.includes('model') ? { model: usageHourly.model } : {}),
		...(groupBy.includes('channel') ? { channelId: usageHourly.channelId } : {}),
		...(groupBy.includes('user') ? { userId: usageHourly.userId } : {})
	};
	// By position: the day expression carries parameters, and a repeated one would not match.
	const positions = Object.keys(columns).map((_, i) => sql.raw(String(i + 1)));
	const [grouped, [totals]] = await Promise.all([
		ctx.db
			.select({ ...columns, ...HOURLY_SUMS })
			.from(usageHourly)
			.where(where)
			.groupBy(...positions)
			.orderBy(...positions),
		ctx.db.select(HOURLY_SUMS).from(usageHourly).where(where)
	]);
	const withUsd = <T extends { cost: number }>(row: T) => ({ ...row, costUsd: quotaToUsd(row.cost) });
	return {
		from,
		to,
		groupBy,
		rows: grouped.map(({ dayIndex: index, ...row }: { dayIndex?: number } & Omit<UsageRow, 'costUsd'>) =>
			withUsd(index === undefined ? row : { ...row, day: days[index - 1] })
		),
		totals: withUsd(totals ?? { requests: 0, failures: 0, promptTokens: 0, completionTokens: 0, cacheReadTokens: 0, cost: 0 })
	};
}
