/** Small guards for reading bodies that came from outside (a client's request, Gemini's answer). */

export type Json = Record<string, unknown>;

import { isRecord as isObject } from '../../protocol/json';

export { isObject };
export { parseJsonObject } from '../../protocol/json';

export const objectOr = (v: unknown): Json => (isObject(v) ? v : {});

export const arrayOr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export const stringOr = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);

export const numberOr = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

