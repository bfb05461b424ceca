import { UpstreamRequestError } from '../protocol/errors';

/**
 * Refusing content parts a converter cannot carry (docs/providers/content-parts.md): a part
 * that cannot be put in the upstream's terms is a 400 naming the part and the reason, never
 * a silent drop — a model answering about an image it never saw is worse than an error.
 */

/** Where a message or one of its parts sits, as the client sent it: `messages[2].content[1]`. */
export function partPath(message: number, part?: number): string {
	return part === undefined ? `messages[${message}]` : `messages[${message}].content[${part}]`;
}

/** The part's `type` as the client wrote it. */
export function partTypeOf(part: unknown): string {
	if (part === null || typeof part !== 'object' || Array.isArray(part)) return 'non-object';
	const type = (part as Record<string, unknown>).type;
	return typeof type === 'string' ? type : 'untyped';
}

/** Throws the 400 for a part this upstream cannot carry; `reason` completes "cannot be sent: …". */
export function refusePart(where: string, part: unknown, reason: string): never {
	throw new UpstreamRequestError(`${where}: content part type '${partTypeOf(part)}' cannot be sent: ${reason}.`, 'messages');
}
