/**
 * Tool names and ids as Anthropic accepts them (docs/protocol.md, "Conversion rules").
 *
 * Names come back in the answer (tool_use.name), and the response and stream transforms get
 * no request state, so the mapping has to be undone from the name alone. It is therefore a
 * deterministic, reversible encoding rather than a lookup table:
 * - a name that is already valid (`^[a-zA-Z0-9_-]{1,64}$`, which every OpenAI-valid name is)
 *   goes up unchanged — the common case costs nothing and the model sees the real name;
 * - any other name (MCP-style `server.tool`, non-ASCII, ...) goes up as `fn--` + an escaped form
 *   that uses only Anthropic's alphabet: letters, digits and `-` stay, `_` becomes `__`, every
 *   other UTF-8 byte becomes `_` + two upper-case hex digits. `fromAnthropicName` reverses it;
 * - so that decoding is never ambiguous, a valid name that happens to start with `fn--`, or
 *   equals the name the JSON-mode tool uses, is encoded too.
 * A name whose encoding would pass 64 characters cannot be carried reversibly; it goes up
 * shortened with a hash (`fnh-…`) and comes back under that shortened name.
 *
 * Ids never come back (the answer's ids are Anthropic's own), so they only need a
 * deterministic mapping applied identically to a tool_use and its tool_result.
 */

const VALID_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const VALID_ID = /^[a-zA-Z0-9_-]+$/;
const PREFIX = 'fn--';
const HASHED_PREFIX = 'fnh-';
const MAX_NAME = 64;

/** The tool the forced-tool structured output fallback adds (docs/providers/anthropic.md, "Request mapping"). */
export const JSON_TOOL_NAME = 'json_response';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function toAnthropicName(name: string): string {
	if (VALID_NAME.test(name) && !name.startsWith(PREFIX) && name !== JSON_TOOL_NAME) return name;
	const encoded = PREFIX + escape(name);
	if (encoded.length <= MAX_NAME) return encoded;
	const readable = name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, MAX_NAME - HASHED_PREFIX.length - 9);
	return `${HASHED_PREFIX}${readable}-${fnv1a(name)}`;
}

/** The client's name for a tool_use name (names that were not encoded come back unchanged). */
export function fromAnthropicName(name: string): string {
	if (!name.startsWith(PREFIX)) return name;
	return unescape(name.slice(PREFIX.length)) ?? name;
}

export function toAnthropicId(id: string): string {
	if (VALID_ID.test(id)) return id;
	// The hash keeps two ids that differ only in invalid characters apart.
	return `${id.replace(/[^a-zA-Z0-9_-]/g, '_')}_${fnv1a(id)}`;
}

function isKept(byte: number): boolean {
	return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x2d;
}

function escape(name: string): string {
	let out = '';
	for (const byte of encoder.encode(name)) {
		if (isKept(byte)) out += String.fromCharCode(byte);
		else if (byte === 0x5f) out += '__';
		else out += '_' + byte.toString(16).toUpperCase().padStart(2, '0');
	}
	return out;
}

function unescape(text: string): string | undefined {
	const bytes: number[] = [];
	for (let i = 0; i < text.length; i++) {
		const ch = text.charCodeAt(i);
		if (ch !== 0x5f) {
			bytes.push(ch);
			continue;
		}
		if (text[i + 1] === '_') {
			bytes.push(0x5f);
			i++;
			continue;
		}
		const hex = text.slice(i + 1, i + 3);
		if (!/^[0-9A-F]{2}$/.test(hex)) return undefined;
		bytes.push(parseInt(hex, 16));
		i += 2;
	}
	try {
		return decoder.decode(new Uint8Array(bytes));
	} catch {
		return undefined;
	}
}

function fnv1a(text: string): string {
	let hash = 0x811c9dc5;
	for (const byte of encoder.encode(text)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
	return hash.toString(16).padStart(8, '0');
}
