import type { Logger } from '../observability/logger';
import type { Options } from '../options/definitions';
import { automaticDisables, keyToTest, loadTestableChannel, testAndRecord } from './channel-health';
import type { ServiceContext } from './context';

interface Target {
	channelId: number;
	/** null: the channel itself (its last key failed). */
	keyId: number | null;
	nextAt: number;
	delayMs: number;
}

export interface ProberSettings {
	ctx: ServiceContext;
	log: Logger;
	/** Changes identity whenever a channel changed anywhere (the snapshot's route table). */
	channelsVersion: () => unknown;
	options: () => Options;
	/** A probe succeeded: the in-memory breaker of this channel may forget its failures. */
	onRecovered?: (channelId: number) => void;
	tickMs?: number;
	now?: () => number;
}

/**
 * Brings back what was disabled automatically: each such key or channel is tested after
 * `health.probe_initial_seconds`, then at doubling intervals up to `health.probe_max_seconds`,
 * and re-enabled by the first success. Manual disables are never on the list. The worklist is
 * re-read only when channels changed, so an idle gateway sends no queries.
 */
export function startChannelProber(settings: ProberSettings): { stop(): Promise<void> } {
	const { ctx, log } = settings;
	const now = settings.now ?? Date.now;
	const targets = new Map<string, Target>();
	let seenVersion: unknown = Symbol('never');
	let running: Promise<void> | undefined;
	let stopped = false;

	const refresh = async () => {
		const version = settings.channelsVersion();
		if (version === seenVersion) return;
		seenVersion = version;
		const initialMs = settings.options()['health.probe_initial_seconds'] * 1000;
		const current = new Set<string>();
		for (const item of await automaticDisables(ctx)) {
			const id = `${item.channelId}:${item.keyId ?? '-'}`;
			current.add(id);
			if (!targets.has(id)) {
				targets.set(id, { channelId: item.channelId, keyId: item.keyId, nextAt: item.since.getTime() + initialMs, delayMs: initialMs });
			}
		}
		for (const id of targets.keys()) if (!current.has(id)) targets.delete(id);
	};

	const probe = async (id: string, target: Target) => {
		const channel = await loadTestableChannel(ctx, target.channelId);
		const key = target.keyId === null ? keyToTest(channel) : channel.keys.find((k) => k.id === target.keyId);
		const opts = settings.options();
		const result = key
			? await testAndRecord(ctx, channel, key, { timeoutMs: Math.min(opts['relay.first_byte_timeout_ms'], 30_000) })
			: { ok: false, error: 'no key to test with' };
		if (result.ok) {
			targets.delete(id);
			settings.onRecovered?.(target.channelId);
			log.info({ channelId: target.channelId, keyId: target.keyId }, 'probe succeeded: re-enabled');
			return;
		}
		target.delayMs = Math.min(target.delayMs * 2, opts['health.probe_max_seconds'] * 1000);
		target.nextAt = now() + target.delayMs;
		log.debug({ channelId: target.channelId, keyId: target.keyId, error: result.error, nextInMs: target.delayMs }, 'probe failed');
	};

	const tick = async () => {
		await refresh();
		for (const [id, target] of targets) {
			if (stopped) return;
			if (target.nextAt > now()) continue;
			await probe(id, target).catch((err: unknown) => {
				target.nextAt = now() + target.delayMs;
				log.error({ err, channelId: target.channelId }, 'probe could not run');
			});
		}
	};

	const timer = setInterval(() => {
		if (running || stopped) return;
		running = tick()
			.catch((err: unknown) => {
				// Read the worklist again next time.
				seenVersion = Symbol('retry');
				log.error({ err }, 'channel prober failed');
			})
			.finally(() => (running = undefined));
	}, settings.tickMs ?? 1000);
	timer.unref?.();

	return {
		async stop() {
			stopped = true;
			clearInterval(timer);
			await running;
		}
	};
}
