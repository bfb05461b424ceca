import * as t from 'drizzle-orm/pg-core';

/** Every timestamp is `timestamptz`; the app reads and writes JS `Date`s. */
export const timestamptz = (name: string) => t.timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * Money is an integer count of quota units (500,000 = 1 USD), never a float.
 * `mode: 'number'` keeps arithmetic plain: 2^53 quota is about USD 18 billion, and the
 * billing code asserts `Number.isSafeInteger` on every amount it computes.
 */
export const quota = (name: string) => t.bigint(name, { mode: 'number' });

export const createdAt = timestamptz('created_at').notNull().defaultNow();
export const updatedAt = timestamptz('updated_at')
	.notNull()
	.defaultNow()
	.$onUpdate(() => new Date());

export const timestamps = {
	createdAt,
	updatedAt
};

/** Soft delete: rows stay for the logs and the ledger that point at them. */
export const deletedAt = timestamptz('deleted_at');
