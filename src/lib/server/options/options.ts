import { eq } from 'drizzle-orm';
import * as z from 'zod';
import type { DbLike } from '../db';
import { options } from '../db/schema';

/** Every global option: its schema and default. Stored as jsonb under the same key. */
export const optionDefinitions = {
	'registration.enabled': { schema: z.boolean(), default: true },
	/** Origins allowed to call /v1 from a browser ("*" = any; API keys are not ambient credentials). */
	'relay.cors_origins': { schema: z.array(z.string().min(1).max(200)).max(100), default: ['*'] }
} as const;

export type OptionKey = keyof typeof optionDefinitions;
export type OptionValue<K extends OptionKey> = z.infer<(typeof optionDefinitions)[K]['schema']>;
export type Options = { [K in OptionKey]: OptionValue<K> };

function valueOf<K extends OptionKey>(key: K, stored: unknown): OptionValue<K> {
	const def = optionDefinitions[key];
	const parsed = def.schema.safeParse(stored);
	return (parsed.success ? parsed.data : def.default) as OptionValue<K>;
}

/** The stored value, or the default when unset or no longer valid under the schema. */
export async function getOption<K extends OptionKey>(db: DbLike, key: K): Promise<OptionValue<K>> {
	const [row] = await db.select({ value: options.value }).from(options).where(eq(options.key, key));
	return valueOf(key, row?.value);
}

/** Every option at once, defaults filled in (for the state snapshot). */
export async function loadOptions(db: DbLike): Promise<Options> {
	const rows = new Map((await db.select().from(options)).map((r) => [r.key, r.value]));
	const all = {} as Record<OptionKey, unknown>;
	for (const key of Object.keys(optionDefinitions) as OptionKey[]) all[key] = valueOf(key, rows.get(key));
	return all as Options;
}

export async function setOption<K extends OptionKey>(db: DbLike, key: K, value: OptionValue<K>): Promise<void> {
	const valid = optionDefinitions[key].schema.parse(value);
	await db
		.insert(options)
		.values({ key, value: valid })
		.onConflictDoUpdate({ target: options.key, set: { value: valid, updatedAt: new Date() } });
}
