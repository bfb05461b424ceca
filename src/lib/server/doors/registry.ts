import type { Door } from '../providers/types';
import type { DoorCodec } from './types';

/** Inbound protocols other than OpenAI's own, by door. */
const CODECS: ReadonlyMap<Door, DoorCodec> = new Map<Door, DoorCodec>([]);

export function codecFor(door: Door): DoorCodec | undefined {
	return CODECS.get(door);
}
