import { eq, isNull, sql } from 'drizzle-orm';
import { newApiImportRequest } from '../../schemas/newapi-import';
import type { DbLike } from '../db';
import { apiKeys, groups, importedRows, redemptionCodes, users } from '../db/schema';
import { openNewApiSource } from '../import/newapi/open-source';
import { planImport, type ImportPlan, type TargetState } from '../import/newapi/plan';
import { readConsumptionLogs, readNewApi } from '../import/newapi/read';
import type { ImportReport } from '../import/newapi/report';
import { BadRowError, ImportRefusedError } from '../import/newapi/rows';
import { SourceError, type NewApiSource } from '../import/newapi/source';
import { actingUserId, requireRoot, type Actor } from './actor';
import { writeAudit } from './audit';
import type { ServiceContext } from './context';
import { ServiceError, fieldError, parseInput } from './errors';
import { withChanges } from './notify';
import { SOURCE, newLogCount, writeLogs, writePlan } from './newapi-import-write';

/** Everything the planner must know of our side, read where the import will write. */
async function loadTarget(db: DbLike): Promise<TargetState> {
	const mapped = await db.select().from(importedRows).where(eq(importedRows.source, SOURCE));
	const byKind = (kind: string) => new Map(mapped.filter((r) => r.kind === kind).map((r) => [r.sourceId, r.targetId ?? 0]));
	const importedUsers = byKind('users');
	const live = await db
		.select({ id: users.id, username: users.username, email: users.email, role: users.role })
		.from(users)
		.where(isNull(users.deletedAt));
	const importedIds = new Set(importedUsers.values());
	const [keyRows, codeRows, groupRows] = await Promise.all([
		db.select({ h: apiKeys.keyHash }).from(apiKeys),
		db.select({ h: redemptionCodes.codeHash }).from(redemptionCodes),
		db.select({ name: groups.name }).from(groups)
	]);
	return {
		hasRoot: live.some((u) => u.role === 'root'),
		nativeUsers: live.filter((u) => u.role !== 'root' && !importedIds.has(u.id)).length,
		usernames: new Set(live.map((u) => u.username.toLowerCase())),
		emails: new Set(live.flatMap((u) => (u.email ? [u.email.toLowerCase()] : []))),
		keyHashes: new Set(keyRows.map((r) => r.h)),
		codeHashes: new Set(codeRows.map((r) => r.h)),
		groups: new Set(groupRows.map((g) => g.name)),
		imported: {
			users: importedUsers,
			tokens: byKind('tokens'),
			channels: byKind('channels'),
			redemptions: byKind('redemptions'),
			prices: new Set(byKind('prices').keys()),
			groups: new Set(byKind('groups').keys())
		}
	};
}

function reportOf(source: NewApiSource, plan: ImportPlan, dryRun: boolean, logs: number): ImportReport {
	return {
		source: source.label,
		dryRun,
		imported: {
			users: plan.users.length,
			apiKeys: plan.keys.length,
			channels: plan.channels.length,
			channelKeys: plan.channels.reduce((n, c) => n + c.keys.length, 0),
			redemptionCodes: plan.codes.length,
			prices: plan.prices.length,
			groups: plan.groups.length,
			logs
		},
		alreadyImported: plan.already,
		skipped: plan.skipped,
		notes: plan.notes,
		history: plan.history
	};
}

/** Logs from the last `days` days, or all of them; undefined when the run takes none. */
function logsSince(request: { withLogs: boolean; logDays: number | null }, now: number): number | undefined {
	if (!request.withLogs) return undefined;
	return request.logDays === null ? 0 : Math.floor(now / 1000) - request.logDays * 86_400;
}

/** The import's refusals as the service's own errors: the message names the row or the source. */
function asServiceError(err: unknown): unknown {
	if (err instanceof SourceError) return fieldError('invalid_request', 'from', err.message);
	if (err instanceof ImportRefusedError) return new ServiceError('conflict', err.message);
	if (err instanceof BadRowError) return new ServiceError('invalid_request', `${err.message}. Nothing was imported.`);
	return err;
}

/**
 * Imports a New-API database (docs/newapi-import.md): accounts with their passwords and
 * balances, API keys that keep working unchanged, channels, prices, groups, redemption codes and
 * optionally the consumption logs. One transaction on our side, so a bad row changes nothing;
 * New-API's database is only read. A dry run plans the same and writes nothing.
 */
export async function importFromNewApi(ctx: ServiceContext, actor: Actor, input: unknown, options: { dryRun: boolean }): Promise<ImportReport> {
	requireRoot(actor);
	const request = parseInput(newApiImportRequest, input);
	const now = Date.now();
	let source: NewApiSource;
	try {
		source = await openNewApiSource(request.from);
	} catch (err) {
		throw asServiceError(err);
	}
	try {
		const data = await readNewApi(source);
		const since = logsSince(request, now);
		if (options.dryRun) {
			const plan = planImport(data, await loadTarget(ctx.db), { merge: request.merge, now });
			let logs = 0;
			if (since !== undefined && data.hasLogs) for await (const page of readConsumptionLogs(source, since)) logs += await newLogCount(ctx.db, page);
			return reportOf(source, plan, true, logs);
		}
		return await withChanges(ctx.db, async (tx) => {
			// One import at a time: the second waits, then finds the first one's rows already there.
			await tx.execute(sql`select pg_advisory_xact_lock(hashtext('elygate.import.newapi'))`);
			const target = await loadTarget(tx);
			const plan = planImport(data, target, { merge: request.merge, now });
			const ids = await writePlan(tx, plan, target, ctx.secrets, actingUserId(actor));
			let logs = 0;
			if (since !== undefined && data.hasLogs) for await (const page of readConsumptionLogs(source, since)) logs += await writeLogs(tx, page, ids);
			const report = reportOf(source, plan, false, logs);
			await writeAudit(tx, actor, {
				action: 'import.newapi',
				targetType: 'import',
				after: { source: report.source, imported: report.imported, alreadyImported: report.alreadyImported, skipped: report.skipped.length, notes: report.notes.length }
			});
			// Every part of the snapshot may have changed: each instance reloads it whole.
			return { result: report, changes: [{ kind: 'all' }] };
		});
	} catch (err) {
		throw asServiceError(err);
	} finally {
		await source.close();
	}
}
