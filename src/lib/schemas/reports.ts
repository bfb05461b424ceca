import * as z from 'zod';
import { m } from '../paraglide/messages';

// Query strings of the request log and usage reports. Values stay strings where the service
// interprets them, so a query parsed once parses again to the same thing.

const rowId = z.coerce.number().int().min(0).max(2_147_483_647);

/** Server request ids: "req_" and 26 Crockford base32 characters. */
const requestId = z.string().regex(/^req_[0-9A-HJKMNP-TV-Z]{26}$/, { error: () => m.logs_v_cursor() });

const filters = {
	userId: z.coerce.number().int().positive().max(2_147_483_647).optional().meta({ description: "Someone's calls (administrators and readers; others always see only their own)." }),
	keyId: rowId.optional().meta({ description: 'Calls made with this API key; 0 = calls made without one.' }),
	model: z.string().trim().min(1).max(200).optional().meta({ description: 'The model name the client asked for.' }),
	channelId: rowId.optional().meta({ description: 'Calls served by this channel (administrators and readers only).' })
};

export const logQuery = z
	.object({
		limit: z.coerce.number().int().min(1).max(500).default(50),
		before: requestId.optional().meta({ description: 'Cursor: the `next` of the previous page.' }),
		...filters,
		status: z
			.string()
			.regex(/^(ok|error|[1-5]\d\d)$/, { error: () => m.logs_v_status() })
			.optional()
			.meta({ description: '`ok` (200), `error` (anything else) or an exact HTTP status.' }),
		from: z.iso.datetime({ offset: true }).optional().meta({ description: 'Calls made at or after this instant (ISO 8601).' }),
		to: z.iso.datetime({ offset: true }).optional().meta({ description: 'Calls made before this instant (ISO 8601, exclusive).' }),
		format: z.enum(['json', 'csv']).default('json').meta({ description: '`csv` downloads every matching row (no pagination).' })
	})
	.refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), { path: ['to'], error: () => m.logs_v_to_after_from() });

export type LogQuery = z.output<typeof logQuery>;

export const USAGE_GROUPS = ['day', 'model', 'channel', 'user', 'key'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

export const usageQuery = z.object({
	from: z.iso.date().optional().meta({ description: 'First UTC day (YYYY-MM-DD); default 29 days before `to`.' }),
	to: z.iso.date().optional().meta({ description: 'Last UTC day, inclusive; default today.' }),
	groupBy: z
		.string()
		.regex(/^(day|model|channel|user|key)(,(day|model|channel|user|key))*$/, { error: () => m.logs_v_group_by() })
		.default('day')
		.meta({ description: 'One grouping or a comma-separated list, e.g. `day,model`.' }),
	...filters
});

export type UsageQuery = z.output<typeof usageQuery>;

export const retentionRun = z.object({
	batchSize: z.number().int().min(1).max(50_000).optional().meta({ description: 'Rows deleted per statement (default 5,000).' })
});
