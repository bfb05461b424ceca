import { eq } from 'drizzle-orm';
import * as z from 'zod';
import type { DbLike } from '../db';
import { options } from '../db/schema';

/** Every global option: its schema and default. Stored as jsonb under the same key. */
export const optionDefinitions = {
	'registration.enabled': { schema: z.boolean(), default: true }
} as const;

export type OptionKey = keyof typeof optionDefinitions;
export type OptionValue<K extends OptionKey> = z.infer<(typeof optionDefinitions)[K]['schema']>;

/** The stored value, or the default when unset or no longer valid under the schema. */
export async function getOption<K extends OptionKey>(db: DbLike, key: K): Promise<OptionValue<K>> {
	const def = optionDefinitions[key];
	const [row] = await db.select({ value: options.value }).from(options).where(eq(options.key, key));
	const parsed = def.schema.safeParse(row?.value);
	return (parsed.success ? parsed.data : def.default) as OptionValue<K>;
}

export async function setOption<K extends OptionKey>(db: DbLike, key: K, value: OptionValue<K>): Promise<void> {
	const valid = optionDefinitions[key].schema.parse(value);
	await db
		.insert(options)
		.values({ key, value: valid })
		.onConflictDoUpdate({ target: options.key, set: { value: valid, updatedAt: new Date() } });
}
