import * as z from 'zod';

/**
 * What changed, as carried by NOTIFY between instances (and published locally by the
 * instance that made the change). Each kind names the smallest part of the snapshot to reload.
 */
export const stateChange = z.discriminatedUnion('kind', [
	z.object({ kind: z.literal('key'), id: z.number().int() }),
	z.object({ kind: z.literal('user'), id: z.number().int() }),
	z.object({ kind: z.literal('users'), ids: z.array(z.number().int()).max(10_000) }),
	z.object({ kind: z.literal('channel'), id: z.number().int() }),
	z.object({ kind: z.literal('groups') }),
	z.object({ kind: z.literal('prices') }),
	z.object({ kind: z.literal('options') }),
	z.object({ kind: z.literal('all') }),
	// Balances written by a ledger flush, carried as values so no instance has to query for them.
	z.object({
		kind: z.literal('balances'),
		users: z.array(z.tuple([z.number().int(), z.number(), z.number(), z.number().int()])).max(1000),
		keys: z.array(z.tuple([z.number().int(), z.number()])).max(1000)
	})
]);

export type StateChange = z.infer<typeof stateChange>;

export const STATE_CHANNEL = 'elygate_state';

type LocalListener = (change: StateChange) => Promise<void> | void;
const listeners = new Set<LocalListener>();

/** The running app subscribes here; services call `publishLocal` after their transaction commits. */
export function onLocalChange(listener: LocalListener): () => void {
	listeners.add(listener);
	return () => listeners.delete(listener);
}

/** Applies a committed change to this instance now, rather than when its own NOTIFY echoes back. */
export async function publishLocal(change: StateChange): Promise<void> {
	await Promise.all([...listeners].map((l) => l(change)));
}
