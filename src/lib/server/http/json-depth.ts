/**
 * How deeply a request's JSON may nest. Parsing a deep body is cheap, but everything after
 * it that walks the value recursively (serialising, schema checks, PostgreSQL's jsonb) either
 * stalls the event loop for seconds or overflows its stack. No real request comes near this:
 * a tool schema nested twenty objects deep is about 45 levels.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether a parsed JSON value nests arrays and objects deeper than `max` (a bare object or
 * array is depth 1, a scalar 0). Walks without recursion, so a value too deep for the stack
 * is still measured, and stops at the first container past the limit.
 */
export function exceedsJsonDepth(value: unknown, max = MAX_JSON_DEPTH): boolean {
	const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }];
	for (let top = stack.pop(); top; top = stack.pop()) {
		const node = top.value;
		if (node === null || typeof node !== 'object') continue;
		if (top.depth > max) return true;
		for (const child of Array.isArray(node) ? node : Object.values(node)) {
			if (child !== null && typeof child === 'object') stack.push({ value: child, depth: top.depth + 1 });
		}
	}
	return false;
}

export const jsonTooDeepMessage = (max = MAX_JSON_DEPTH) => `The JSON nests deeper than ${max} levels of objects and arrays.`;
