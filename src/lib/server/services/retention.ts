import { retentionRun } from '../../schemas/reports';
import type { Db } from '../db';
import { firstRequestIdAt } from '../http/request-id';
import type { Logger } from '../observability/logger';
import { requireAdmin, type Actor } from './actor';
import { writeAudit } from './audit';
import type { ServiceContext } from './context';
import { ServiceError, parseInput } from './errors';
import { getOption } from './options-store';
import { USAGE_HOURLY_DAYS } from './usage';

export interface PruneSettings {
	/** Rows per DELETE: small enough that each statement is short and its locks brief. */
	batchSize?: number;
	/** Rest between batches, so a large backlog does not monopolise the disk. */
	pauseMs?: number;
	now?: number;
	/** Stops between batches (shutdown). */
	signal?: AbortSignal;
}

export interface PruneOutcome {
	deleted: number;
	batches: number;
	retentionDays: number;
	/** Why nothing ran: retention is off, or another instance holds the lock. */
	skipped?: 'disabled' | 'busy';
}

// Any fixed number will do, as long as nothing else in the database uses it.
const RETENTION_LOCK = 7_146_201_904;
const DAY_MS = 86_400_000;

/**
 * Deletes request log rows older than `logs.retention_days` (daily usage totals stay), in
 * bounded batches along the primary key: request ids are time-ordered, so "older than the
 * cutoff" is an id range. One instance at a time: the run holds a session advisory lock on a
 * connection of its own, and autocommits each batch, so no transaction stays open for the run.
 */
export async function pruneRequestLogs(db: Db, settings: PruneSettings = {}): Promise<PruneOutcome> {
	const retentionDays = await getOption(db, 'logs.retention_days');
	if (retentionDays === 0) return { deleted: 0, batches: 0, retentionDays, skipped: 'disabled' };
	const batchSize = settings.batchSize ?? 5000;
	const pauseMs = settings.pauseMs ?? 100;
	const cutoff = firstRequestIdAt((settings.now ?? Date.now()) - retentionDays * DAY_MS);
	const conn = await db.$client.reserve();
	try {
		const [lock] = await conn<[{ ok: boolean }]>`select pg_try_advisory_lock(${RETENTION_LOCK}::bigint) as ok`;
		if (!lock?.ok) return { deleted: 0, batches: 0, retentionDays, skipped: 'busy' };
		try {
			let deleted = 0;
			let batches = 0;
			while (!settings.signal?.aborted) {
				// "= any(array(...))" rather than "in (select ...)": the planner may hash-join an IN
				// against the whole table, while an array is looked up in the primary key.
				const result = await conn`
					delete from request_logs
					where request_id = any(array(
						select request_id from request_logs where request_id < ${cutoff} order by request_id limit ${batchSize}))`;
				if (result.count > 0) batches++;
				deleted += result.count;
				if (result.count < batchSize) break;
				await Bun.sleep(pauseMs);
			}
			return { deleted, batches, retentionDays };
		} finally {
			await conn`select pg_advisory_unlock(${RETENTION_LOCK}::bigint)`;
		}
	} finally {
		conn.release();
	}
}

/** Runs retention now (administrators): `{ deleted }` rows, in `batches` statements. */
export async function runRetention(ctx: ServiceContext, actor: Actor, input: unknown): Promise<Omit<PruneOutcome, 'skipped'>> {
	requireAdmin(actor);
	const { batchSize } = parseInput(retentionRun, input);
	const outcome = await pruneRequestLogs(ctx.db, { batchSize });
	if (outcome.skipped === 'busy') throw new ServiceError('conflict', 'A retention run is already in progress.');
	const { skipped: _skipped, ...result } = outcome;
	await writeAudit(ctx.db, actor, { action: 'logs.retention_run', targetType: 'request_logs', after: result });
	return result;
}

/**
 * Deletes hourly usage older than the console shows (USAGE_HOURLY_DAYS); the daily totals and
 * the usage API keep everything. Run hourly, so each run removes about an hour of rows.
 */
export async function pruneUsageHourly(db: Db, now = Date.now()): Promise<number> {
	const cutoff = new Date(now - USAGE_HOURLY_DAYS * DAY_MS).toISOString();
	const result = await db.$client`delete from usage_hourly where hour < ${cutoff}::timestamptz`;
	return result.count;
}

export interface RetentionJobSettings {
	db: Db;
	log: Logger;
	firstDelayMs?: number;
	intervalMs?: number;
}

/** Prunes logs and old hourly usage shortly after start, then hourly; the timers never keep the process alive. */
export function startRetentionJob({ db, log, firstDelayMs = 30_000, intervalMs = 3_600_000 }: RetentionJobSettings): { stop(): Promise<void> } {
	const abort = new AbortController();
	let running: Promise<void> | undefined;
	let timer: ReturnType<typeof setTimeout> | undefined;
	const tick = () => {
		running = pruneRequestLogs(db, { signal: abort.signal })
			.then(async (outcome) => {
				if (outcome.deleted > 0) log.info({ deleted: outcome.deleted, retentionDays: outcome.retentionDays }, 'deleted old request logs');
				if (!abort.signal.aborted) await pruneUsageHourly(db);
			})
			.catch((err: unknown) => log.error({ err }, 'request log retention failed'))
			.finally(() => {
				running = undefined;
				if (!abort.signal.aborted) schedule(intervalMs);
			});
	};
	const schedule = (ms: number) => {
		timer = setTimeout(tick, ms);
		timer.unref();
	};
	schedule(firstDelayMs);
	return {
		async stop() {
			abort.abort();
			clearTimeout(timer);
			await running;
		}
	};
}
