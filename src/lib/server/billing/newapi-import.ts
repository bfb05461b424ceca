import { groupName, modelName } from '../../schemas/common';
import { exceedsJsonDepth, jsonTooDeepMessage } from '../http/json-depth';
import { isRecord } from '../protocol/json';

/**
 * Reads New-API's price options (the JSON an admin copies out of its option table) into our
 * price and group rows. Pure: validates everything before anything is written, and names the
 * entry at fault so the admin can fix the file.
 *
 * New-API keeps each option as a JSON string, so every value may be the object itself or a
 * string holding it. Both systems use the same scale (ratio 1 = USD 2 per million tokens), so
 * numbers carry over unchanged.
 */

/** The option keys we understand, with the largest value each may hold (as priceUpsert/groupUpsert allow). */
const LIMITS = {
	ModelRatio: 100_000,
	CompletionRatio: 1000,
	CacheRatio: 1000,
	CreateCacheRatio: 1000,
	ModelPrice: 10_000,
	GroupRatio: 1000
} as const;

export type NewApiOptionKey = keyof typeof LIMITS;
export const NEWAPI_OPTION_KEYS = Object.keys(LIMITS) as NewApiOptionKey[];

/** Options that only make sense for a model that also has a ratio or a fixed price. */
const DEPENDENT: NewApiOptionKey[] = ['CompletionRatio', 'CacheRatio', 'CreateCacheRatio'];

export interface ImportedPrice {
	model: string;
	modelRatio: number;
	completionRatio: number;
	cacheReadRatio: number | null;
	cacheWriteRatio: number | null;
	pricePerRequestUsd: number | null;
}

export interface ImportedGroup {
	name: string;
	ratio: number;
}

export interface NewApiImport {
	prices: ImportedPrice[];
	groups: ImportedGroup[];
}

export class NewApiImportError extends Error {
	override name = 'NewApiImportError';
	constructor(
		/** Where: an option key ("ModelRatio") or an entry ("ModelRatio.gpt-4o"); empty for the whole input. */
		readonly field: string,
		/** What is wrong there, without the place. */
		readonly detail: string,
		/** The place as the message names it (an entry reads `ModelRatio["gpt-4o"]`). */
		where: string = field
	) {
		super(where ? `${where}: ${detail}` : detail);
	}
}


function show(value: unknown): string {
	const text = typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
	return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** An option's value as an object: given as one, or as a JSON string holding one ("" = empty). */
function optionObject(key: NewApiOptionKey, value: unknown): Record<string, unknown> {
	let parsed = value;
	if (typeof value === 'string') {
		if (!value.trim()) return {};
		try {
			parsed = JSON.parse(value) as unknown;
		} catch {
			throw new NewApiImportError(key, 'the string is not valid JSON');
		}
		if (exceedsJsonDepth(parsed)) throw new NewApiImportError(key, jsonTooDeepMessage());
	}
	if (!isRecord(parsed)) throw new NewApiImportError(key, `expected an object of names to numbers (or a JSON string of one), got ${show(value)}`);
	return parsed;
}

function readEntries(key: NewApiOptionKey, value: unknown): Map<string, number> {
	const nameSchema = key === 'GroupRatio' ? groupName : modelName;
	const entries = new Map<string, number>();
	for (const [rawName, raw] of Object.entries(optionObject(key, value))) {
		const where = `${key}[${JSON.stringify(rawName)}]`;
		const field = `${key}.${rawName}`;
		const name = nameSchema.safeParse(rawName);
		if (!name.success) throw new NewApiImportError(field, name.error.issues[0]?.message ?? 'not a valid name', where);
		if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < 0) {
			throw new NewApiImportError(field, `expected a non-negative number, got ${show(raw)}`, where);
		}
		if (raw > LIMITS[key]) throw new NewApiImportError(field, `at most ${LIMITS[key]}, got ${raw}`, where);
		if (entries.has(name.data)) throw new NewApiImportError(field, 'the name appears twice', where);
		entries.set(name.data, raw);
	}
	return entries;
}

export function parseNewApiOptions(input: unknown): NewApiImport {
	if (!isRecord(input)) throw new NewApiImportError('', `expected a JSON object with any of ${NEWAPI_OPTION_KEYS.join(', ')}`);
	const maps = new Map<NewApiOptionKey, Map<string, number>>();
	for (const [key, value] of Object.entries(input)) {
		if (!(key in LIMITS)) {
			throw new NewApiImportError(key, `not a price option we import (expected any of ${NEWAPI_OPTION_KEYS.join(', ')})`);
		}
		maps.set(key as NewApiOptionKey, readEntries(key as NewApiOptionKey, value));
	}
	if (maps.size === 0) throw new NewApiImportError('', `nothing to import: expected any of ${NEWAPI_OPTION_KEYS.join(', ')}`);

	const empty = new Map<string, number>();
	const ratio = maps.get('ModelRatio') ?? empty;
	const price = maps.get('ModelPrice') ?? empty;
	for (const key of DEPENDENT) {
		for (const model of (maps.get(key) ?? empty).keys()) {
			if (!ratio.has(model) && !price.has(model)) {
				throw new NewApiImportError(`${key}.${model}`, 'the model has no ModelRatio or ModelPrice entry', `${key}[${JSON.stringify(model)}]`);
			}
		}
	}

	const models = [...new Set([...ratio.keys(), ...price.keys()])].sort();
	const prices = models.map(
		(model): ImportedPrice => ({
			model,
			// A model priced only per request has no token formula; 0 keeps it that way.
			modelRatio: ratio.get(model) ?? 0,
			completionRatio: maps.get('CompletionRatio')?.get(model) ?? 1,
			cacheReadRatio: maps.get('CacheRatio')?.get(model) ?? null,
			cacheWriteRatio: maps.get('CreateCacheRatio')?.get(model) ?? null,
			pricePerRequestUsd: price.get(model) ?? null
		})
	);
	const groups = [...(maps.get('GroupRatio') ?? empty)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, value]) => ({ name, ratio: value }));
	return { prices, groups };
}
