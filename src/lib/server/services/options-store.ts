import { eq } from 'drizzle-orm';
import type { DbLike } from '../db';
import { options } from '../db/schema';
import { optionDefinitions, optionValue, type OptionKey, type Options, type OptionValue } from '../options/definitions';

/** The stored value, or the default when unset or no longer valid under the schema. */
export async function getOption<K extends OptionKey>(db: DbLike, key: K): Promise<OptionValue<K>> {
	const [row] = await db.select({ value: options.value }).from(options).where(eq(options.key, key));
	return optionValue(key, row?.value);
}

/** Every option at once, defaults filled in (for the state snapshot). */
export async function loadOptions(db: DbLike): Promise<Options> {
	const rows = new Map((await db.select().from(options)).map((r) => [r.key, r.value]));
	const all = {} as Record<OptionKey, unknown>;
	for (const key of Object.keys(optionDefinitions) as OptionKey[]) all[key] = optionValue(key, rows.get(key));
	return all as Options;
}

export async function setOption<K extends OptionKey>(db: DbLike, key: K, value: OptionValue<K>): Promise<void> {
	const valid = optionDefinitions[key].schema.parse(value);
	await db
		.insert(options)
		.values({ key, value: valid })
		.onConflictDoUpdate({ target: options.key, set: { value: valid, updatedAt: new Date() } });
}
