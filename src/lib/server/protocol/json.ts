/** Guards for JSON that comes from outside (a client's body, an upstream's answer). */

/** A plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
	return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The value when it is a plain object, else undefined. */
export function recordOr(value: unknown): Record<string, unknown> | undefined {
	return isRecord(value) ? value : undefined;
}

/** A JSON object from text (an event's data, a body), or undefined when it is not one. */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
	try {
		return recordOr(JSON.parse(text));
	} catch {
		return undefined;
	}
}
