import * as z from 'zod';
import { formatNumber } from '../i18n/format';
import { m } from '../paraglide/messages';
import { pageQuery } from './common';

/** The most one code (or one batch entry) may be worth: a typo should not mint a fortune. */
export const MAX_CODE_USD = 1_000_000;
/** The largest single admin adjustment, in quota units (USD 1,000,000). */
export const MAX_ADJUSTMENT_QUOTA = 500_000_000_000;

const cents = (v: number) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-6;

export const redemptionCreate = z.object({
	name: z
		.string()
		.trim()
		.min(1, { error: () => m.redemptions_v_name_empty() })
		.max(100, { error: () => m.redemptions_v_name_max() }),
	amountUsd: z
		.number({ error: () => m.redemptions_v_amount_enter() })
		.positive({ error: () => m.redemptions_v_amount_positive() })
		.max(MAX_CODE_USD, { error: () => m.redemptions_v_amount_max({ max: formatNumber(MAX_CODE_USD) }) })
		.refine(cents, { error: () => m.redemptions_v_amount_cents() }),
	count: z
		.number({ error: () => m.redemptions_v_count_enter() })
		.int({ error: () => m.redemptions_v_count_whole() })
		.min(1, { error: () => m.redemptions_v_count_min() })
		.max(1000, { error: () => m.redemptions_v_count_max() })
		.default(1),
	/** ISO 8601 with an offset; must be in the future (checked by the service, against the clock). */
	expiresAt: z.iso.datetime({ offset: true, error: () => m.redemptions_v_expiry_iso() }).nullable().default(null)
});

export const redemptionStatus = z.enum(['unused', 'used', 'disabled']);

export const redemptionListQuery = pageQuery.extend({
	status: redemptionStatus.optional(),
	name: z.string().trim().max(100).optional(),
	redeemedBy: z.coerce.number().int().min(1).optional().meta({ description: 'The id of the user who redeemed the code.' })
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
		.int({ error: () => m.users_v_delta_whole() })
		.min(-MAX_ADJUSTMENT_QUOTA)
		.max(MAX_ADJUSTMENT_QUOTA)
		.refine((d) => d !== 0, { error: () => m.users_v_amount_zero() }),
	reason: z
		.string()
		.trim()
		.min(1, { error: () => m.users_v_reason_empty() })
		.max(500, { error: () => m.users_v_reason_max() })
});

export const balanceHistoryQuery = z.object({
	before: z.coerce.number().int().positive().optional().meta({ description: 'The `next` cursor of the previous page.' }),
	limit: z.coerce.number().int().min(1).max(200).default(50)
});

export type RedemptionCreate = z.input<typeof redemptionCreate>;
export type RedemptionListQuery = z.output<typeof redemptionListQuery>;
export type BalanceAdjustment = z.input<typeof balanceAdjustment>;
export type BalanceHistoryQuery = z.output<typeof balanceHistoryQuery>;
