// Every management API endpoint, so the OpenAPI document sees them all.
export * from './admin';
export * from './billing';
export * from './channels';
export * from './keys';
export * from './payments';
export * from './reports';
export * from './system';
export * from './users';
