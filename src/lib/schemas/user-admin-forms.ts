import * as z from 'zod';
import { MAX_ADJUSTMENT_QUOTA, balanceAdjustment } from './billing';
import { groupName } from './common';
import { userRole } from './users';
import { QUOTA_PER_USD } from '../money';

/** The admin's user form: role, group, status (the service decides who may grant what). */
export const userEditForm = z.object({
	role: userRole.default('user'),
	group: groupName.default('default'),
	status: z.enum(['active', 'disabled']).default('active')
});

const MAX_USD = MAX_ADJUSTMENT_QUOTA / QUOTA_PER_USD;

/** A balance adjustment in USD, signed; the page converts it to quota units for the service. */
export const balanceAdjustForm = z.object({
	amountUsd: z
		.number({ error: 'Enter an amount in USD, e.g. 5 or -2.50.' })
		.min(-MAX_USD, `At most USD ${MAX_USD.toLocaleString('en-US')} at a time.`)
		.max(MAX_USD, `At most USD ${MAX_USD.toLocaleString('en-US')} at a time.`)
		.refine((v) => v !== 0, 'A change of zero changes nothing.')
		.refine((v) => Math.abs(v * QUOTA_PER_USD - Math.round(v * QUOTA_PER_USD)) < 1e-6, 'That is finer than one quota unit.')
		.default(0),
	reason: balanceAdjustment.shape.reason.default('')
});
