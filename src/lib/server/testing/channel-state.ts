import type { ChannelState } from '../state/snapshot';

/** A snapshot channel for unit tests: one key, model "m", group "default"; override what matters. */
export function channelState(id: number, over: Partial<ChannelState> = {}): ChannelState {
	return {
		id,
		type: 'openai',
		name: `c${id}`,
		baseUrl: 'http://x/v1',
		models: new Set(['m']),
		modelMapping: new Map(),
		groups: new Set(['default']),
		priority: 0,
		weight: 1,
		enabled: true,
		config: {},
		keys: [{ id, secret: `k${id}` }],
		createdAt: id * 1000,
		loadedAt: 0,
		...over
	};
}
