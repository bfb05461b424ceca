// The one Drizzle schema of the product, one file per aggregate.
export * from './schema/users';
export * from './schema/keys';
export * from './schema/channels';
export * from './schema/billing';
export * from './schema/logs';
export * from './schema/admin';
export * from './schema/imports';
