import type { Door } from '../protocol/types';
import { messagesDoor } from './messages';
import { responsesDoor } from './responses';
import type { DoorCodec } from '../protocol/door';

/** Inbound protocols other than OpenAI's own, by door. */
const CODECS: ReadonlyMap<Door, DoorCodec> = new Map<Door, DoorCodec>([
	['messages', messagesDoor],
	['responses', responsesDoor]
]);

export function codecFor(door: Door): DoorCodec | undefined {
	return CODECS.get(door);
}
