import type { Snapshot } from './snapshot';

let current: Snapshot | undefined;

/**
 * The relay's view of the world, as last loaded or updated by the state sync (state/store.ts).
 * Kept apart from the sync so that what reads the snapshot (the relay) does not load the code
 * that queries the database.
 */
export function snapshot(): Snapshot {
	if (!current) throw new Error('The state snapshot is not loaded yet');
	return current;
}

export function loadedSnapshot(): Snapshot | undefined {
	return current;
}

/** Swaps in a new snapshot: readers see the old one or the new one whole, never a mix. */
export function replaceSnapshot(next: Snapshot): void {
	current = next;
}
