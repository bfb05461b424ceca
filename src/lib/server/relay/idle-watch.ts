/**
 * Stream idle timeouts without a timer per chunk: each stream only notes when it last heard
 * from its upstream, and one sweep a second ends those silent for too long.
 */
export interface IdleWatch {
	/** Call whenever the upstream sends something. */
	touch(): void;
	stop(): void;
}

interface Entry {
	last: number;
	limitMs: number;
	onIdle: () => void;
}

const entries = new Set<Entry>();
let sweeper: ReturnType<typeof setInterval> | undefined;

function sweep(): void {
	const now = performance.now();
	for (const e of entries) {
		if (now - e.last > e.limitMs) {
			entries.delete(e);
			e.onIdle();
		}
	}
	if (entries.size === 0 && sweeper) {
		clearInterval(sweeper);
		sweeper = undefined;
	}
}

export function watchIdle(limitMs: number, onIdle: () => void): IdleWatch {
	const entry: Entry = { last: performance.now(), limitMs, onIdle };
	entries.add(entry);
	if (!sweeper) {
		sweeper = setInterval(sweep, Math.min(1000, Math.max(50, limitMs / 4)));
		sweeper.unref?.();
	}
	return {
		touch: () => void (entry.last = performance.now()),
		stop: () => void entries.delete(entry)
	};
}
