import { callerGroup } from './auth';
import { adaptorFor } from '../providers/registry';
import type { Door, ProviderAdaptor } from '../providers/types';
import type { DoorCodec } from '../protocol/door';
import type { ChannelKeyState, ChannelState } from '../state/snapshot';
import type { CallInput, CallRequest } from './call';
import { relayContext, syncHealthSettings } from './context';
import { RelayError } from './errors';
import { candidateChannels, pickKey } from './select';

/** How one channel serves a call: in the door's own protocol, or through canonical chat. */
export interface Route {
	native: boolean;
	/** The door the adaptor is asked to speak. */
	door: Door;
	/** The answer must be rendered for the client's door. */
	render: boolean;
}

/** A channel able to take the call now, with the adaptor and route it would take it by. */
export interface Serving {
	channel: ChannelState;
	adaptor: ProviderAdaptor;
	route: Route;
}

/** The channels that may serve the call's model for the caller's group, in the order to try them. */
export function candidatesFor(input: CallInput, req: CallRequest): ChannelState[] {
	const { health } = relayContext();
	syncHealthSettings(input.snap.options);
	const now = Date.now();
	const candidates = candidateChannels(input.snap, callerGroup(input.caller), req.model, (c) => health.isCooling(c.id, now));
	if (candidates.length === 0) {
		throw new RelayError(404, `The model ${req.model} does not exist or you do not have access to it.`, 'model_not_found', 'model');
	}
	return candidates;
}

/**
 * How `channel` would serve the call, or undefined when it cannot now: no adaptor or route for
 * the door, no usable key, or its breaker (or the model's cool-down) says skip.
 */
export function servingBy(channel: ChannelState, input: CallInput, req: CallRequest): Serving | undefined {
	const adaptor = adaptorFor(channel.type);
	const route = adaptor && routeFor(adaptor, input.door, channel, req.codec);
	if (!adaptor || !route) return undefined;
	const { health } = relayContext();
	if (health.usableKeys(channel).length === 0) return undefined;
	if (health.admit(channel, req.model, Date.now()) === 'skip') return undefined;
	return { channel, adaptor, route };
}

/** The channel's next usable upstream key (round-robin), or undefined when none is left. */
export function nextKey(channel: ChannelState): ChannelKeyState | undefined {
	return pickKey(channel, relayContext().health.usableKeys(channel));
}

export function routeFor(adaptor: ProviderAdaptor, door: Door, channel: ChannelState, codec: DoorCodec | undefined): Route | undefined {
	if (adaptor.native(door, channel)) return { native: true, door, render: false };
	if (codec) return adaptor.supports('chat') ? { native: false, door: 'chat', render: true } : undefined;
	return adaptor.supports(door) ? { native: false, door, render: false } : undefined;
}
