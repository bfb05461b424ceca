import { channelTimeouts } from '../../schemas/channels';
import type { Options } from '../options/definitions';
import type { ChannelState } from '../state/snapshot';

export interface Timeouts {
	connectMs: number;
	firstByteMs: number;
	streamFirstByteMs: number;
	streamIdleMs: number;
}

// Validated when the channel is saved; a row written some other way falls back to the globals.
const storedTimeouts = channelTimeouts.catch({});

// Snapshot entries are replaced, never changed, when a channel or the options change.
const resolved = new WeakMap<ChannelState, { options: Options; timeouts: Timeouts }>();

/** The global timeouts, each overridable in a channel's config under "timeouts". */
export function timeoutsFor(channel: ChannelState, options: Options): Timeouts {
	const cached = resolved.get(channel);
	if (cached?.options === options) return cached.timeouts;
	const timeouts = resolve(channel, options);
	resolved.set(channel, { options, timeouts });
	return timeouts;
}

function resolve(channel: ChannelState, options: Options): Timeouts {
	const own = storedTimeouts.parse(channel.config.timeouts ?? {});
	return {
		connectMs: own.connectMs ?? options['relay.connect_timeout_ms'],
		firstByteMs: own.firstByteMs ?? options['relay.first_byte_timeout_ms'],
		streamFirstByteMs: own.streamFirstByteMs ?? options['relay.stream_first_byte_timeout_ms'],
		streamIdleMs: own.streamIdleMs ?? options['relay.stream_idle_timeout_ms']
	};
}
