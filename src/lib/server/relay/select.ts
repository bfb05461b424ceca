import type { ChannelKeyState, ChannelState, Snapshot } from '../state/snapshot';

/**
 * Channels that may serve `model` for `group`, in the order to try them: the highest
 * priority tier first, weighted-random within a tier; channels cooling down go last.
 */
export function candidateChannels(
	snap: Snapshot,
	group: string,
	model: string,
	isCooling: (channel: ChannelState) => boolean,
	random = Math.random
): ChannelState[] {
	const tiers = snap.routes.get(group)?.get(model);
	if (!tiers) return [];
	// One channel (the common case): nothing to order.
	if (tiers.length === 1 && tiers[0]!.length === 1) return [tiers[0]![0]!];
	const ready: ChannelState[] = [];
	const cooling: ChannelState[] = [];
	for (const tier of tiers) {
		for (const c of weightedOrder(tier, random)) (isCooling(c) ? cooling : ready).push(c);
	}
	return ready.concat(cooling);
}

/** A weighted random permutation (Efraimidis–Spirakis): P(first) is proportional to weight. */
export function weightedOrder<T extends { weight: number }>(items: readonly T[], random = Math.random): T[] {
	if (items.length <= 1) return items.slice();
	return items
		.map((item) => ({ item, score: Math.pow(random(), 1 / Math.max(item.weight, 1e-9)) }))
		.sort((a, b) => b.score - a.score)
		.map((x) => x.item);
}

const nextKey = new WeakMap<ChannelState, number>();

/** Round-robin over a channel's usable upstream keys. */
export function pickKey(channel: ChannelState, keys: readonly ChannelKeyState[] = channel.keys): ChannelKeyState | undefined {
	if (keys.length === 0) return undefined;
	const i = nextKey.get(channel) ?? 0;
	nextKey.set(channel, (i + 1) % keys.length);
	return keys[i % keys.length];
}

/** Public model names a caller may use: its group's channels, narrowed by the key's allow-list. */
export function visibleModels(snap: Snapshot, group: string, allowed: ReadonlySet<string> | null): Map<string, number> {
	const models = new Map<string, number>();
	// A model that would be refused for having no price is not offered either.
	const unpricedServed = snap.options['billing.allow_unpriced_models'];
	for (const [model, tiers] of snap.routes.get(group) ?? []) {
		if (allowed && !allowed.has(model)) continue;
		if (!unpricedServed && !snap.prices.has(model)) continue;
		const created = Math.min(...tiers.flat().map((c) => c.createdAt));
		models.set(model, Math.floor(created / 1000));
	}
	return models;
}
