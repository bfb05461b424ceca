import type { ToolCall } from '../../protocol/canonical';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `call_` + 24 random base62 characters: Workers AI gives most calls no id (docs/protocol.md, "Conversion rules"). */
export function newCallId(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(24));
	let id = 'call_';
	for (const byte of bytes) id += BASE62[byte % 62];
	return id;
}

/** One tool call (or fragment) as Workers AI reported it, in either of its two shapes. */
export interface WorkersToolCall {
	/** The upstream's own index, when it streams OpenAI-style fragments. */
	index?: number;
	id?: string;
	name?: string;
	/** Arguments as JSON text; undefined when the fragment had none. */
	arguments?: string;
}

/**
 * Reads `{name, arguments: <object>}` (older models) or `{id, type: "function", function:
 * {name, arguments: <object or string>}}` (newer ones; cloudflare/ai-utils#18). Object
 * arguments are stringified compactly.
 */
export function readToolCall(value: unknown): WorkersToolCall | undefined {
	if (value === null || typeof value !== 'object') return undefined;
	const v = value as Record<string, unknown>;
	const fn = v.function !== null && typeof v.function === 'object' ? (v.function as Record<string, unknown>) : v;
	const call: WorkersToolCall = {};
	if (typeof v.index === 'number') call.index = v.index;
	if (typeof v.id === 'string' && v.id) call.id = v.id;
	if (typeof fn.name === 'string' && fn.name) call.name = fn.name;
	const args = fn.arguments;
	if (typeof args === 'string') call.arguments = args;
	else if (args !== undefined && args !== null) call.arguments = JSON.stringify(args);
	return call.name !== undefined || call.index !== undefined ? call : undefined;
}

/** Whole calls of a non-stream answer, in OpenAI's shape (ids synthesized, arguments never ""). */
export function toolCallsOf(value: unknown): ToolCall[] {
	if (!Array.isArray(value)) return [];
	const calls: ToolCall[] = [];
	for (const item of value) {
		const call = readToolCall(item);
		if (!call?.name) continue;
		calls.push({ id: call.id ?? newCallId(), type: 'function', function: { name: call.name, arguments: call.arguments || '{}' } });
	}
	return calls;
}
