import * as z from 'zod';
import { formatNumber } from '../i18n/format';
import { m } from '../paraglide/messages';
import { groupUpsert, priceUpsert } from './admin';
import { redemptionCreate } from './billing';
import { managementTokenCreate } from './tokens';

// Form schemas of the admin console, built from the services' own input schemas. Fields a
// browser cannot send as the service wants them (local date-times, USD for quota) are converted
// by the action before the service sees them.

/** A datetime-local value ("2027-01-31T23:59"), or empty for none. */
const localDateTime = z
	.string()
	.trim()
	.regex(/^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?)?$/, { error: () => m.tokens_v_pick_time() })
	.default('');

/** The viewer's `Date.getTimezoneOffset()`, sent by the page; 0 (UTC) without JavaScript. */
const tzOffset = z.number().int().min(-900).max(900).default(0);

export const groupForm = groupUpsert.extend({ ratio: groupUpsert.shape.ratio.default(1) });

const optionalUsd = z
	.number()
	.min(0, { error: () => m.prices_v_usd_negative() })
	.max(1_000_000, { error: () => m.prices_v_usd_max({ max: formatNumber(1_000_000) }) })
	.nullable()
	.default(null);

export const priceForm = priceUpsert
	.extend({
		/** Whether the ratios or the USD-per-million fields are saved. */
		entry: z.enum(['ratios', 'usd']).default('ratios'),
		modelRatio: priceUpsert.shape.modelRatio.default(1),
		inputUsd: optionalUsd,
		outputUsd: optionalUsd,
		cachedUsd: optionalUsd,
		cacheWriteUsd: optionalUsd,
		source: z.string().trim().max(500).default('')
	})
	.superRefine((v, ctx) => {
		if (v.entry === 'usd' && v.inputUsd === null) ctx.addIssue({ code: 'custom', path: ['inputUsd'], message: m.prices_v_input_enter() });
	});

export const deleteNamed = z.object({ name: z.string().min(1) });

export const importForm = z.object({
	json: z.string().max(5_000_000, { error: () => m.prices_v_import_too_big() }).default('')
});

export const defaultsForm = z.object({ overwrite: z.boolean().default(false) });

export const redemptionForm = redemptionCreate.extend({
	amountUsd: redemptionCreate.shape.amountUsd.default(10),
	count: redemptionCreate.shape.count.default(10),
	expiresAt: localDateTime,
	tzOffset
});

export const tokenForm = managementTokenCreate.extend({ scope: managementTokenCreate.shape.scope.default('read'), expiresAt: localDateTime, tzOffset });

/** A typed local date-time as an ISO instant, using the offset the browser sent. */
export function localToIso(value: string, offsetMinutes: number): string | null {
	if (!value) return null;
	const utc = Date.parse(`${value.length === 16 ? `${value}:00` : value}Z`);
	return Number.isNaN(utc) ? null : new Date(utc + offsetMinutes * 60_000).toISOString();
}
