/**
 * Stream idle timeouts without a timer or a clock read per chunk: each stream only counts the
 * chunks it got, and one sweep (at most a second apart) notes when a count last moved and ends
 * the streams whose count stood still for too long.
 */
export interface IdleWatch {
	/** Call whenever the upstream sends something. */
	touch(): void;
	stop(): void;
}

interface Entry {
	count: number;
	seenCount: number;
	/** When the sweep last saw the count move (or the watch started). */
	movedAt: number;
	limitMs: number;
	onIdle: () => void;
}

const entries = new Set<Entry>();
let sweeper: ReturnType<typeof setInterval> | undefined;
let sweepEveryMs = Infinity;

function sweep(): void {
	const now = performance.now();
	for (const e of entries) {
		if (e.count !== e.seenCount) {
			e.seenCount = e.count;
			e.movedAt = now;
		} else if (now - e.movedAt > e.limitMs) {
			entries.delete(e);
			e.onIdle();
		}
	}
	if (entries.size === 0 && sweeper) {
		clearInterval(sweeper);
		sweeper = undefined;
		sweepEveryMs = Infinity;
	}
}

/** Calls `onIdle` once the stream has been silent for `limitMs` (give or take one sweep interval). */
export function watchIdle(limitMs: number, onIdle: () => void): IdleWatch {
	const entry: Entry = { count: 0, seenCount: 0, movedAt: performance.now(), limitMs, onIdle };
	entries.add(entry);
	// A quarter of the shortest limit watched (at most a second), so none overshoots by much.
	const every = Math.min(1000, Math.max(50, limitMs / 4));
	if (every < sweepEveryMs) {
		if (sweeper) clearInterval(sweeper);
		sweeper = setInterval(sweep, every);
		sweeper.unref?.();
		sweepEveryMs = every;
	}
	return {
		touch: () => void entry.count++,
		stop: () => void entries.delete(entry)
	};
}
