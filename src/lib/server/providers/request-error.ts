/**
 * A canonical request this upstream cannot carry (n > 1, audio for a model without audio
 * input, an image for a text-only model, ...). Thrown by `buildRequest`; the relay answers it
 * as a 400 (its name is in the relay's list of client input errors), and nothing is sent.
 */
export class UpstreamRequestError extends Error {
	override name = 'UpstreamRequestError';
	constructor(
		message: string,
		readonly param: string | null = null
	) {
		super(message);
	}
}
