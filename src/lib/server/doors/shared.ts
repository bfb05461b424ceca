import type * as z from 'zod';
import { DoorInputError } from '../protocol/errors';
import { isRecord } from '../protocol/json';

/** One SSE event with a name, as the Anthropic and Responses protocols frame them. */
export function sseEvent(type: string, data: unknown): string {
	return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The gateway's request id reduced to what protocol ids allow (`^[a-zA-Z0-9_-]+$`). */
export function idPart(requestId: string): string {
	const clean = requestId.replace(/[^a-zA-Z0-9_-]/g, '');
	return clean || 'gateway';
}

export { isRecord } from '../protocol/json';

/** Parses a body with a zod schema; the first problem becomes the door's 400 (with its path as `param`). */
export function parseOrRefuse<T>(schema: z.ZodType<T>, body: unknown): T {
	const result = schema.safeParse(body);
	if (result.success) return result.data;
	const issue = result.error.issues[0];
	const param = issue && issue.path.length ? issue.path.map(String).join('.') : null;
	const where = param ? `${param}: ` : '';
	throw new DoorInputError(`${where}${issue?.message ?? 'invalid request body'}`, param);
}

/** Tool-call arguments as an object: `{}` for empty, unparsable or non-object JSON (clients validate input as an object). */
export function argumentsObject(args: string): Record<string, unknown> {
	if (!args.trim()) return {};
	try {
		const parsed: unknown = JSON.parse(args);
		return isRecord(parsed) ? parsed : {};
	} catch {
		return {};
	}
}

/** True when `text` is one complete JSON value (so no further fragment can belong to it). */
export function isCompleteJson(text: string): boolean {
	if (!text.trim()) return false;
	try {
		JSON.parse(text);
		return true;
	} catch {
		return false;
	}
}
