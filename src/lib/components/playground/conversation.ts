import * as z from 'zod';

/**
 * The playground's conversation and choices, kept in the browser's localStorage so leaving the
 * page and coming back (or reloading) keeps them. One entry per signed-in user, so two people
 * sharing a browser do not see each other's chats; what is read back is checked, and anything
 * that does not fit is dropped rather than trusted.
 */

/** Why a reply stopped short: kept as data, so it is shown in whatever language the page is in. */
export const failureSchema = z.object({
	kind: z.enum(['stopped', 'connection', 'session', 'http', 'stream', 'invalid']),
	status: z.number().int().optional(),
	/** The relay's error code (insufficient_quota, model_not_found …), when it gave one. */
	code: z.string().max(100).optional(),
	/** The relay's own message (English, like the API), or the page's check, already in the page's language. */
	message: z.string().max(2000).optional()
});

const turnSchema = z.object({
	role: z.enum(['user', 'assistant']),
	content: z.string().max(200_000),
	model: z.string().max(200).optional(),
	requestId: z.string().max(100).optional(),
	failure: failureSchema.optional(),
	cost: z.number().optional(),
	costState: z.enum(['pending', 'settled', 'unknown']).optional(),
	streaming: z.boolean().optional()
});

const savedSchema = z.object({
	version: z.literal(1),
	keyId: z.string().max(20),
	model: z.string().max(200),
	system: z.string().max(100_000),
	temperature: z.number().nullable(),
	maxTokens: z.number().nullable(),
	turns: z.array(turnSchema).max(400)
});

export type Failure = z.output<typeof failureSchema>;
export type Turn = z.output<typeof turnSchema>;
export type SavedPlayground = z.output<typeof savedSchema>;

export interface ChatMessage {
	role: 'system' | 'user' | 'assistant';
	content: string;
}

export function storageKey(userId: number): string {
	return `elygate.playground.v1.${userId}`;
}

/** What was kept for this user, or null when nothing (or nothing readable) was. */
export function loadPlayground(storage: Storage, userId: number): SavedPlayground | null {
	let raw: string | null;
	try {
		raw = storage.getItem(storageKey(userId));
	} catch {
		return null;
	}
	if (!raw) return null;
	try {
		const saved = savedSchema.safeParse(JSON.parse(raw));
		if (!saved.success) return null;
		// A reply still streaming when the page went away ended there.
		for (const turn of saved.data.turns) {
			if (turn.streaming) {
				turn.streaming = false;
				turn.failure ??= { kind: 'stopped' };
			}
		}
		return saved.data;
	} catch {
		return null;
	}
}

/** Keeps the state; false when the browser refused (storage full or disabled). */
export function savePlayground(storage: Storage, userId: number, state: Omit<SavedPlayground, 'version'>): boolean {
	const turns = state.turns.map((t) => (t.streaming ? { ...t, streaming: false, failure: t.failure ?? { kind: 'stopped' as const } } : t));
	try {
		storage.setItem(storageKey(userId), JSON.stringify({ version: 1, ...state, turns }));
		return true;
	} catch {
		return false;
	}
}

/**
 * The messages sent for the next reply: the system prompt, then every turn so far except
 * replies that failed (the model never said them) and empty ones.
 */
export function chatMessages(system: string, turns: readonly Turn[]): ChatMessage[] {
	const history = turns.filter((t) => t.role === 'user' || (!t.failure && t.content !== '')).map((t) => ({ role: t.role, content: t.content }));
	return [...(system.trim() ? [{ role: 'system' as const, content: system.trim() }] : []), ...history];
}
