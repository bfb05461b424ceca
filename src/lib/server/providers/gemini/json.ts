/** Small guards for reading bodies that came from outside (a client's request, Gemini's answer). */

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

export const objectOr = (v: unknown): Json => (isObject(v) ? v : {});

export const arrayOr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export const stringOr = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);

export const numberOr = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function parseJsonObject(text: string): Json | undefined {
	try {
		const value: unknown = JSON.parse(text);
		return isObject(value) ? value : undefined;
	} catch {
		return undefined;
	}
}
