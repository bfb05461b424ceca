/**
 * JSON Schema → the OpenAPI 3 subset Gemini takes in `parameters` and `responseSchema`
 * (docs/providers/gemini.md, "Request mapping"). Works on a deep copy: the caller's object is never touched.
 *
 * Gemini answers 400 "Unknown name ..." for any field outside its Schema message, so this keeps
 * an allow-list of fields rather than deleting known offenders one by one.
 */

type Json = Record<string, unknown>;

/** Fields of Gemini's Schema message that we pass on (`format`, `enum` and `type` are handled apart). */
const KEPT = new Set(['title', 'description', 'nullable', 'minItems', 'maxItems', 'minProperties', 'maxProperties', 'minLength', 'maxLength', 'pattern', 'minimum', 'maximum', 'propertyOrdering']);
/** String formats Gemini accepts. */
const STRING_FORMATS = new Set(['enum', 'date-time']);
/** Deeper than this is a cycle through $ref (or an absurd schema): cut it to a bare object. */
const MAX_DEPTH = 32;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

export function sanitizeSchema(schema: unknown): Json {
	if (!isObject(schema)) return {};
	const defs = { ...(isObject(schema.definitions) ? schema.definitions : {}), ...(isObject(schema.$defs) ? schema.$defs : {}) };
	return convert(schema, defs, 0);
}

/** True when a sanitized object schema declares no properties (Gemini refuses empty OBJECTs). */
export function hasNoProperties(schema: Json): boolean {
	return !isObject(schema.properties) || Object.keys(schema.properties).length === 0;
}

function convert(input: Json, defs: Json, depth: number): Json {
	if (depth > MAX_DEPTH) return { type: 'object' };
	const node = flatten(input, defs, depth);
	const out: Json = {};
	let nullable = node.nullable === true;

	let type = node.type;
	if (Array.isArray(type)) {
		const types = type.filter((t): t is string => typeof t === 'string');
		nullable ||= types.includes('null');
		const rest = types.filter((t) => t !== 'null');
		if (rest.length > 1) out.anyOf = rest.map((t) => ({ type: t }));
		type = rest[0];
		if (rest.length > 1) type = undefined;
	}
	if (type === 'null') {
		nullable = true;
		type = undefined;
	}

	for (const [key, value] of Object.entries(node)) if (KEPT.has(key)) out[key] = value;

	const enumValues = node.const !== undefined && node.const !== null ? [node.const] : node.enum;
	if (Array.isArray(enumValues)) {
		const values = enumValues.filter((v) => v !== null && v !== undefined);
		if (values.length < enumValues.length) nullable = true;
		// Gemini enums are strings only: integer and boolean enums become their string forms.
		out.enum = values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
		type = 'string';
	}
	// Gemini wants a type on every node; JSON Schema lets it be implied by properties / items.
	if (type === undefined && !Array.isArray(out.anyOf) && alternativesOf(node).length === 0) {
		if (isObject(node.properties)) type = 'object';
		else if (node.items !== undefined) type = 'array';
	}
	if (typeof type === 'string') out.type = type;
	if (type === 'string' && typeof node.format === 'string' && STRING_FORMATS.has(node.format)) out.format = node.format;

	if (isObject(node.properties)) {
		const properties: Json = {};
		for (const [name, sub] of Object.entries(node.properties)) properties[name] = convert(isObject(sub) ? sub : {}, defs, depth + 1);
		if (Object.keys(properties).length > 0) out.properties = properties;
		if (Array.isArray(node.required)) {
			const required = node.required.filter((r): r is string => typeof r === 'string' && r in properties);
			if (required.length > 0) out.required = required;
		}
	}
	if (isObject(node.items)) out.items = convert(node.items, defs, depth + 1);
	else if (Array.isArray(node.items) && isObject(node.items[0])) out.items = convert(node.items[0], defs, depth + 1); // tuple form: first type

	const alternatives = alternativesOf(node);
	if (alternatives.length > 0) {
		const kept = alternatives.filter((alt) => {
			const resolved = isObject(alt) ? flatten(alt, defs, depth + 1) : {};
			if (resolved.type === 'null') {
				nullable = true;
				return false;
			}
			return true;
		});
		const converted = kept.map((alt) => convert(isObject(alt) ? alt : {}, defs, depth + 1));
		if (converted.length === 1) {
			// One real alternative left ("X or null"): it becomes the schema itself.
			const only = converted[0] ?? {};
			for (const [key, value] of Object.entries(only)) if (!(key in out) || key === 'type') out[key] = value;
		} else if (converted.length > 1) out.anyOf = converted;
	}
	if (nullable) out.nullable = true;
	return out;
}

function alternativesOf(node: Json): unknown[] {
	return [...(Array.isArray(node.anyOf) ? node.anyOf : []), ...(Array.isArray(node.oneOf) ? node.oneOf : [])];
}

/** Resolves `$ref` (local `#/$defs/...`, `#/definitions/...`) and merges `allOf` into one node. */
function flatten(input: Json, defs: Json, depth: number): Json {
	let node = input;
	for (let hops = 0; typeof node.$ref === 'string' && hops < MAX_DEPTH; hops++) {
		const target = refTarget(node.$ref, defs);
		const { $ref: _ref, ...rest } = node;
		node = { ...(target ?? { type: 'object' }), ...rest };
	}
	if (Array.isArray(node.allOf)) {
		const { allOf, ...rest } = node;
		let merged: Json = {};
		for (const part of allOf) if (isObject(part)) merged = mergeSchemas(merged, flatten(part, defs, depth + 1));
		node = mergeSchemas(merged, rest);
	}
	return node;
}

function refTarget(ref: string, defs: Json): Json | undefined {
	const match = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(ref);
	if (!match?.[1]) return undefined;
	const target = defs[decodeURIComponent(match[1]).replaceAll('~1', '/').replaceAll('~0', '~')];
	return isObject(target) ? target : undefined;
}

/** allOf: properties and required are unions; for anything else the later schema wins. */
function mergeSchemas(a: Json, b: Json): Json {
	const out: Json = { ...a, ...b };
	if (isObject(a.properties) || isObject(b.properties)) {
		out.properties = { ...(isObject(a.properties) ? a.properties : {}), ...(isObject(b.properties) ? b.properties : {}) };
	}
	if (Array.isArray(a.required) || Array.isArray(b.required)) {
		out.required = [...new Set([...(Array.isArray(a.required) ? a.required : []), ...(Array.isArray(b.required) ? b.required : [])])];
	}
	return out;
}
