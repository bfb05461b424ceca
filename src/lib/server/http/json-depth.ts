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
	if (value === null || typeof value !== 'object') return false;
	// Two parallel stacks rather than one of pairs: this runs on every /v1 body.
	const nodes: object[] = [value];
	const depths: number[] = [1];
	while (nodes.length > 0) {
		const node = nodes.pop() as Record<string, unknown>;
		const depth = depths.pop() as number;
		if (depth > max) return true;
		const children = Array.isArray(node) ? (node as unknown[]) : Object.values(node);
		for (let i = 0; i < children.length; i++) {
			const child = children[i];
			if (child !== null && typeof child === 'object') {
				nodes.push(child);
				depths.push(depth + 1);
			}
		}
	}
	return false;
}

export const jsonTooDeepMessage = (max = MAX_JSON_DEPTH) => `The JSON nests deeper than ${max} levels of objects and arrays.`;
