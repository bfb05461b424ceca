import * as z from 'zod';
import { m } from '../paraglide/messages';

/** Where New-API's database is: what `import-newapi --from` and the console's form take. */
export const newApiSourceUrl = z
	.string()
	.trim()
	.min(1, { error: () => m.settings_import_v_from_empty() })
	.max(2000, { error: () => m.settings_import_v_from_long() })
	.regex(/^(mysql|mariadb|postgres|postgresql|sqlite):\/\//i, { error: () => m.settings_import_v_from_scheme() });

/** One import run: the CLI's flags and the console's form, read by services/newapi-import.ts. */
export const newApiImportRequest = z.object({
	from: newApiSourceUrl,
	/** Import into an Elygate that already has users besides root (matching usernames are skipped). */
	merge: z.boolean().default(false),
	/** Also import New-API's consumption logs, as history that never moves a balance. */
	withLogs: z.boolean().default(false),
	/** With withLogs: only the last N days (null = all of them). */
	logDays: z
		.number()
		.int()
		.min(1, { error: () => m.settings_import_v_days_min() })
		.max(3650, { error: () => m.settings_import_v_days_max() })
		.nullable()
		.default(null)
});

export type NewApiImportRequest = z.input<typeof newApiImportRequest>;
