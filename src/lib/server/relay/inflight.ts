import { relayInflight } from '../observability/relay-metrics';

let active = 0;
let idleWaiters: Array<() => void> = [];

/** Marks a proxied call (streams included) as running; call the returned function once when it ends. */
export function beginCall(): () => void {
	active++;
	let ended = false;
	return () => {
		if (ended) return;
		ended = true;
		active--;
		if (active === 0) {
			for (const wake of idleWaiters) wake();
			idleWaiters = [];
		}
	};
}

export const activeCalls = (): number => active;
relayInflight.setSource(() => [[[], active]]);

/** Resolves when no call is running, or after `timeoutMs`; true if idle. */
export function waitForIdle(timeoutMs: number): Promise<boolean> {
	if (active === 0) return Promise.resolve(true);
	return new Promise((resolve) => {
		const timer = setTimeout(() => resolve(false), timeoutMs);
		idleWaiters.push(() => {
			clearTimeout(timer);
			resolve(true);
		});
	});
}
