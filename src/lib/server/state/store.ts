import type { Sql } from 'postgres';
import type { DbLike } from '../db';
import type { Logger } from '../observability/logger';
import { stateNotifications } from '../observability/metrics';
import { loadOptions } from '../services/options-store';
import type { SecretBox } from '../security/crypto';
import { STATE_CHANNEL, onLocalChange, stateChange, type StateChange } from './changes';
import { dropKey, loadChannel, loadGroups, loadKey, loadPrices, loadSnapshot, loadUsers, putKey } from './loader';
import { applyBalances, fresherKey, fresherUser, keepFresherBalances } from './balances';
import { loadedSnapshot, replaceSnapshot, snapshot } from './current';
import { buildRoutes, type Snapshot } from './snapshot';

export { snapshot };

export interface StateSyncOptions {
	db: DbLike;
	/** The pool's postgres.js instance, for LISTEN (it keeps its own connection). */
	sql: Sql;
	secrets: SecretBox;
	log: Logger;
}

/**
 * Loads the snapshot and keeps it fresh: NOTIFY from any instance (and local publishes from
 * this one) reload the part that changed; a reconnected LISTEN reloads everything, since
 * notifications sent while it was down are lost.
 */
export async function startStateSync({ db, sql, secrets, log }: StateSyncOptions): Promise<() => Promise<void>> {
	replaceSnapshot(await loadSnapshot(db, secrets));
	// Changes are applied one at a time, in arrival order, so a slow full reload cannot
	// overwrite a newer partial one.
	let queue: Promise<void> = Promise.resolve();
	const apply = (change: StateChange) => {
		const run = queue.then(() => applyChange(change, db, secrets)).catch((err: unknown) => {
			log.error({ err, change: change.kind }, 'state refresh failed; reloading everything');
			return applyChange({ kind: 'all' }, db, secrets);
		});
		queue = run.catch(() => {});
		return run;
	};

	const unsubscribe = onLocalChange(apply);
	let connectedOnce = false;
	const listener = await sql.listen(
		STATE_CHANNEL,
		(payload) => {
			stateNotifications.inc();
			const parsed = stateChange.safeParse(safeJson(payload));
			// Balances carry their values and only move forward: no need to wait behind reloads.
			if (parsed.success && parsed.data.kind === 'balances' && loadedSnapshot()) applyBalances(snapshot(), parsed.data.users, parsed.data.keys);
			else if (parsed.success) void apply(parsed.data);
			else log.warn('ignoring a malformed state notification');
		},
		() => {
			if (connectedOnce) {
				log.warn('state LISTEN reconnected: reloading the whole snapshot');
				void apply({ kind: 'all' });
			}
			connectedOnce = true;
		}
	);
	return async () => {
		unsubscribe();
		await listener.unlisten().catch(() => {});
	};
}

async function applyChange(change: StateChange, db: DbLike, secrets: SecretBox): Promise<void> {
	const snap = snapshot();
	switch (change.kind) {
		case 'all': {
			const next = await loadSnapshot(db, secrets);
			keepFresherBalances(next, loadedSnapshot());
			replaceSnapshot(next);
			return;
		}
		case 'key': {
			const loaded = await loadKey(db, change.id);
			if (loaded) {
				const hash = snap.keyHashById.get(change.id);
				putKey(snap, loaded.hash, fresherKey(loaded.key, hash ? snap.keysByHash.get(hash) : undefined));
			} else dropKey(snap, change.id);
			return;
		}
		case 'balances':
			applyBalances(snap, change.users, change.keys);
			return;
		case 'user':
		case 'users': {
			const ids = change.kind === 'user' ? [change.id] : change.ids;
			for (const [id, user] of await loadUsers(db, ids)) {
				if (user) snap.users.set(id, fresherUser(user, snap.users.get(id)));
				else snap.users.delete(id);
			}
			return;
		}
		case 'channel': {
			const channel = await loadChannel(db, change.id, secrets);
			if (channel) snap.channels.set(channel.id, channel);
			else snap.channels.delete(change.id);
			snap.routes = buildRoutes(snap.channels.values());
			return;
		}
		case 'groups':
			snap.groups = await loadGroups(db);
			return;
		case 'prices':
			snap.prices = await loadPrices(db);
			return;
		case 'options':
			snap.options = await loadOptions(db);
			return;
	}
}

function safeJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}
