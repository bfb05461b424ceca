/**
 * Why a conversion step refused, as one union the relay tells apart by `kind` (and never by
 * class names or ad-hoc properties):
 * - 'door-input': the door refuses the client's body (a 400 in the door's shape, nothing sent);
 * - 'upstream-request': a canonical request this upstream cannot carry (n > 1, audio for a model
 *   without audio input, ...), thrown by an adaptor's `buildRequest`; a 400, nothing sent;
 * - 'image-fetch': an image URL the gateway would have to download was refused (its message can
 *   go to the client in a 400);
 * - 'upstream-format': the upstream's answer cannot be read as one; `retry` says whether another
 *   try may do better, else the upstream says the request itself was at fault (a 400).
 */
export type TransformError = DoorInputError | UpstreamRequestError | ImageFetchError | UpstreamFormatError;

abstract class TransformFailure extends Error {
	abstract readonly kind: TransformError['kind'];
	/** The request field at fault, when one is (OpenAI's error `param`). */
	readonly param: string | null;
	constructor(message: string, param: string | null) {
		super(message);
		this.param = param;
	}
}

export class DoorInputError extends TransformFailure {
	override name = 'DoorInputError';
	readonly kind = 'door-input';
	constructor(message: string, param: string | null = null) {
		super(message, param);
	}
}

export class UpstreamRequestError extends TransformFailure {
	override name = 'UpstreamRequestError';
	readonly kind = 'upstream-request';
	constructor(message: string, param: string | null = null) {
		super(message, param);
	}
}

export class ImageFetchError extends TransformFailure {
	override name = 'ImageFetchError';
	readonly kind = 'image-fetch';
	constructor(message: string) {
		super(message, null);
	}
}

export class UpstreamFormatError extends TransformFailure {
	override name = 'UpstreamFormatError';
	readonly kind = 'upstream-format';
	constructor(
		message: string,
		readonly retry = true
	) {
		super(message, null);
	}
}

export function isTransformError(err: unknown): err is TransformError {
	return err instanceof TransformFailure;
}

/** The client's to fix (answered 400, and no other channel would do better). */
export function isClientFault(err: TransformError): boolean {
	return err.kind !== 'upstream-format' || !err.retry;
}
