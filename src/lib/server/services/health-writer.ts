import type { Logger } from '../observability/logger';
import type { HealthAction } from '../relay/health';
import { applyHealthAction } from './channel-health';
import type { ServiceContext } from './context';

export interface HealthWriter {
	/** Queues what a failure decided; never blocks the call that found it. */
	persist(actions: readonly HealthAction[]): void;
	/** Resolves when everything queued so far is written (or failed and was logged). */
	drain(): Promise<void>;
}

/**
 * Writes health actions one at a time, in the order they were decided, off the request path.
 * A failed write is logged and dropped: the in-memory breaker already keeps the bad key out
 * of this instance, and the next failure on it decides again.
 */
export function createHealthWriter(ctx: ServiceContext, log: Logger): HealthWriter {
	let tail: Promise<void> = Promise.resolve();
	return {
		persist(actions) {
			for (const action of actions) {
				tail = tail.then(() =>
					applyHealthAction(ctx, action).then(
						(changed) => {
							if (changed) log.warn({ action: action.kind, channelId: action.channelId, keyId: action.kind === 'disable-key' ? action.keyId : undefined, reason: action.reason }, 'upstream credentials refused: disabled automatically');
						},
						(err: unknown) => log.error({ err, action: action.kind, channelId: action.channelId }, 'could not record an automatic disable')
					)
				);
			}
		},
		drain: () => tail
	};
}
