import { contentBlocks, systemParts, toolResultContent } from './content';
import { arr, rec, str, type Json } from './guards';
import { toAnthropicId, toAnthropicName } from './names';

/**
 * Canonical messages as Anthropic's `system` + alternating turns (docs/protocol.md,
 * "Conversion rules"; docs/providers/anthropic.md, "Request mapping"). Two steps, because whether thinking stays on depends on what the history carries:
 * `collectTurns` converts message by message; `finishTurns` makes the result valid
 * (empty turns, merging, tool-result order and pairing, first turn, prefill).
 */

export interface Turn {
	role: 'user' | 'assistant';
	content: Json[];
}

export interface Collected {
	system: Json[];
	turns: Turn[];
}

const PLACEHOLDER = '.';
const NO_RESULT = '(no result)';

/** `function.arguments` as the object tool_use.input wants; `{}` when empty or unreadable. */
export function parseArguments(args: unknown): Json {
	const given = rec(args);
	if (given) return given;
	if (typeof args !== 'string' || !args.trim()) return {};
	try {
		return rec(JSON.parse(args)) ?? {};
	} catch {
		// Models sometimes leave trailing garbage after the object.
		const end = args.lastIndexOf('}');
		try {
			return end > 0 ? (rec(JSON.parse(args.slice(0, end + 1))) ?? {}) : {};
		} catch {
			return {};
		}
	}
}

function thinkingBlocks(message: Json): Json[] {
	const blocks: Json[] = [];
	for (const item of arr(message.thinking_blocks)) {
		const b = rec(item);
		// Only signed blocks can go back: an unsigned one is refused ("Invalid signature").
		if (b?.type === 'thinking' && typeof b.thinking === 'string' && str(b.signature)) {
			blocks.push({ type: 'thinking', thinking: b.thinking, signature: b.signature });
		} else if (b?.type === 'redacted_thinking' && str(b.data)) {
			blocks.push({ type: 'redacted_thinking', data: b.data });
		}
	}
	return blocks;
}

function assistantBlocks(message: Json, index: number, functionIds: Map<string, string>): Json[] {
	const blocks = thinkingBlocks(message);
	blocks.push(...contentBlocks(message.content, index, 'assistant'));
	arr(message.tool_calls).forEach((item, k) => {
		const call = rec(item);
		const fn = rec(call?.function);
		if (!fn) return;
		const id = toAnthropicId(str(call?.id) || `call_${index}_${k}`);
		blocks.push({ type: 'tool_use', id, name: toAnthropicName(str(fn.name) ?? ''), input: parseArguments(fn.arguments) });
	});
	// Legacy function_call: the reply comes as a `function` message naming it.
	const legacy = rec(message.function_call);
	if (legacy) {
		const name = str(legacy.name) ?? '';
		const id = `function_call_${index}`;
		functionIds.set(name, id);
		blocks.push({ type: 'tool_use', id, name: toAnthropicName(name), input: parseArguments(legacy.arguments) });
	}
	return blocks;
}

export function collectTurns(messages: unknown): Collected {
	const system: Json[] = [];
	const turns: Turn[] = [];
	const functionIds = new Map<string, string>();
	arr(messages).forEach((item, index) => {
		const message = rec(item);
		if (!message) return;
		switch (message.role) {
			case 'system':
			case 'developer':
				system.push(...systemParts(message.content, index));
				return;
			case 'assistant':
				turns.push({ role: 'assistant', content: assistantBlocks(message, index, functionIds) });
				return;
			case 'tool':
			case 'function': {
				const name = str(message.name) ?? '';
				const rawId = str(message.tool_call_id) || functionIds.get(name) || `function_${name}`;
				const result: Json = { type: 'tool_result', tool_use_id: toAnthropicId(rawId) };
				const content = toolResultContent(message.content, index);
				if (content !== undefined) result.content = content;
				turns.push({ role: 'user', content: [result] });
				return;
			}
			default:
				turns.push({ role: 'user', content: contentBlocks(message.content, index) });
		}
	});
	return { system, turns };
}

const isThinking = (b: Json) => b.type === 'thinking' || b.type === 'redacted_thinking';

/**
 * True when thinking cannot be turned on for this history: the last assistant turn called
 * tools but does not start with its signed thinking (docs/providers/anthropic.md, "Request mapping", case c).
 */
export function lacksSignatures(turns: readonly Turn[]): boolean {
	const last = turns.findLast((t) => t.role === 'assistant');
	if (!last || !last.content.some((b) => b.type === 'tool_use')) return false;
	const first = last.content[0];
	return !first || !isThinking(first);
}

export function withoutThinking(turns: readonly Turn[]): Turn[] {
	return turns.map((t) => (t.role === 'assistant' ? { ...t, content: t.content.filter((b) => !isThinking(b)) } : t));
}

/** Whether the conversation ends with assistant text Claude is to continue (a prefill). */
export function endsWithPrefill(turns: readonly Turn[]): boolean {
	const last = turns.findLast((t) => t.content.length > 0);
	return last?.role === 'assistant' && !last.content.some((b) => b.type === 'tool_use');
}

export function finishTurns(turns: readonly Turn[]): Turn[] {
	const merged: Turn[] = [];
	for (const turn of turns) {
		if (turn.content.length === 0) continue;
		const prev = merged.at(-1);
		if (prev && prev.role === turn.role) prev.content = [...prev.content, ...turn.content];
		else merged.push({ role: turn.role, content: [...turn.content] });
	}
	const paired = pairToolResults(merged);
	if (paired[0]?.role !== 'user') paired.unshift({ role: 'user', content: [{ type: 'text', text: PLACEHOLDER }] });
	trimPrefill(paired);
	return paired;
}

/**
 * Every tool_use gets its tool_result at the start of the very next user turn (results first,
 * then the user's own blocks); a missing result is synthesized as an error, and a result that
 * answers no call in the turn before becomes plain text (Anthropic refuses unknown ids).
 */
function pairToolResults(turns: Turn[]): Turn[] {
	const out: Turn[] = [];
	for (let i = 0; i < turns.length; i++) {
		const turn = turns[i]!;
		if (turn.role === 'assistant') {
			out.push(turn);
			const calls = turn.content.filter((b) => b.type === 'tool_use').map((b) => String(b.id));
			const next = turns[i + 1];
			if (calls.length > 0 && next?.role !== 'user') out.push(userTurn(calls, []));
			continue;
		}
		const prev = out.at(-1);
		const calls = prev?.role === 'assistant' ? prev.content.filter((b) => b.type === 'tool_use').map((b) => String(b.id)) : [];
		out.push(userTurn(calls, turn.content));
	}
	return out;
}

function userTurn(calls: string[], blocks: Json[]): Turn {
	const results = new Map<string, Json>();
	const rest: Json[] = [];
	for (const block of blocks) {
		const id = block.type === 'tool_result' ? String(block.tool_use_id) : undefined;
		if (id !== undefined && calls.includes(id) && !results.has(id)) results.set(id, block);
		else if (id !== undefined) rest.push({ type: 'text', text: orphanText(block) });
		else rest.push(block);
	}
	const ordered = calls.map((id) => results.get(id) ?? { type: 'tool_result', tool_use_id: id, content: NO_RESULT, is_error: true });
	return { role: 'user', content: [...ordered, ...rest] };
}

function orphanText(block: Json): string {
	const content = block.content;
	const text =
		typeof content === 'string'
			? content
			: arr(content)
					.map((b) => str(rec(b)?.text) ?? '')
					.join('\n');
	return `[tool result ${String(block.tool_use_id)}] ${text || NO_RESULT}`;
}

/** A final assistant turn is a prefill; Anthropic refuses one that ends in whitespace. */
function trimPrefill(turns: Turn[]): void {
	const last = turns.at(-1);
	if (last?.role !== 'assistant') return;
	const block = last.content.at(-1);
	if (block?.type !== 'text' || typeof block.text !== 'string') return;
	const text = block.text.trimEnd();
	if (text) last.content[last.content.length - 1] = { ...block, text };
	else last.content.pop();
	if (last.content.length === 0) turns.pop();
}
