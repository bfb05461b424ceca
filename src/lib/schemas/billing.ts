import * as z from 'zod';
import { m } from '../paraglide/messages';
import { pageQuery } from './common';

/** The most one code (or one batch entry) may be worth: a typo should not mint a fortune. */
export const MAX_CODE_USD = 1_000_000;
/** The largest single admin adjustment, in quota units (USD 1,000,000). */
export const MAX_ADJUSTMENT_QUOTA = 500_000_000_000;

const cents = (v: number) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-6;

export const redemptionCreate = z.object({
	name: z.string().trim().min(1, 'Give the batch a name.').max(100, 'Names are at most 100 characters.'),
	amountUsd: z
		.number()
		.positive('The amount must be more than zero.')
		.max(MAX_CODE_USD, `At most USD ${MAX_CODE_USD.toLocaleString('en-US')} per code.`)
		.refine(cents, 'Use at most two decimals (whole cents).'),
	count: z.number().int('Use a whole number of codes.').min(1).max(1000, 'At most 1,000 codes at a time.').default(1),
	/** ISO 8601 with an offset; must be in the future (checked by the service, against the clock). */
	expiresAt: z.iso.datetime({ offset: true, error: 'Use an ISO 8601 date-time, e.g. 2027-01-31T23:59:59Z.' }).nullable().default(null)
});

export const redemptionStatus = z.enum(['unused', 'used', 'disabled']);

export const redemptionListQuery = pageQuery.extend({
	status: redemptionStatus.optional(),
	name: z.string().trim().max(100).optional()
});

const codeText = z
	.string()
	.trim()
	.min(1, { error: () => m.topup_v_enter_code() })
	.max(200, { error: () => m.topup_v_not_a_code() });

export const redeemInput = z.object({
	// Codes are lower-case base32; people retype them, so case and surrounding spaces do not matter.
	code: codeText.transform((c) => c.toLowerCase())
});

/** The top-up page's redeem form: the same rule, the code kept as typed (the service lower-cases it). */
export const redeemCodeForm = z.object({ code: codeText });

export const balanceAdjustment = z.object({
	delta: z
		.number()
		.int('Use whole quota units (500,000 = 1 USD).')
		.min(-MAX_ADJUSTMENT_QUOTA)
		.max(MAX_ADJUSTMENT_QUOTA)
		.refine((d) => d !== 0, 'A change of zero changes nothing.'),
	reason: z.string().trim().min(1, 'Say why the balance changes.').max(500, 'At most 500 characters.')
});

export const balanceHistoryQuery = z.object({
	before: z.coerce.number().int().positive().optional().meta({ description: 'The `next` cursor of the previous page.' }),
	limit: z.coerce.number().int().min(1).max(200).default(50)
});

export type RedemptionCreate = z.input<typeof redemptionCreate>;
export type RedemptionListQuery = z.output<typeof redemptionListQuery>;
export type BalanceAdjustment = z.input<typeof balanceAdjustment>;
export type BalanceHistoryQuery = z.output<typeof balanceHistoryQuery>;
