import * as z from 'zod';
import { m } from '../paraglide/messages';
import { formatNumber } from '../i18n/format';
import { MAX_ADJUSTMENT_QUOTA, balanceAdjustment } from './billing';
import { groupName } from './common';
import { displayName, userCreate, userRole } from './users';
import { QUOTA_PER_USD } from '../money';

/** The admin's user form: role, group, status (the service decides who may grant what). */
export const userEditForm = z.object({
	role: userRole.default('user'),
	group: groupName.default('default'),
	status: z.enum(['active', 'disabled']).default('active')
});

const MAX_USD = MAX_ADJUSTMENT_QUOTA / QUOTA_PER_USD;
/** Whole quota units: 1 USD is 500,000 of them. */
const wholeUnits = (v: number) => Math.abs(v * QUOTA_PER_USD - Math.round(v * QUOTA_PER_USD)) < 1e-6;

/** A balance adjustment in USD, signed; the page converts it to quota units for the service. */
export const balanceAdjustForm = z.object({
	amountUsd: z
		.number({ error: () => m.users_v_amount_enter() })
		.min(-MAX_USD, { error: () => m.users_v_amount_max({ max: formatNumber(MAX_USD) }) })
		.max(MAX_USD, { error: () => m.users_v_amount_max({ max: formatNumber(MAX_USD) }) })
		.refine((v) => v !== 0, { error: () => m.users_v_amount_zero() })
		.refine(wholeUnits, { error: () => m.users_v_amount_finer() })
		.default(0),
	reason: balanceAdjustment.shape.reason.default('')
});

/** The most a new account may start with, in USD (the API's quota limit, rounded down). */
const MAX_START_USD = Math.floor(1e15 / QUOTA_PER_USD);

/** Create a user from the console: the API's fields, the starting balance in USD. */
export const userCreateForm = z.object({
	username: userCreate.shape.username.default(''),
	displayName,
	email: userCreate.shape.email,
	password: userCreate.shape.password.default(''),
	role: userRole.default('user'),
	group: groupName.default('default'),
	initialUsd: z
		.number({ error: () => m.users_v_initial_enter() })
		.min(0, { error: () => m.users_v_initial_negative() })
		.max(MAX_START_USD, { error: () => m.users_v_amount_max({ max: formatNumber(MAX_START_USD) }) })
		.refine(wholeUnits, { error: () => m.users_v_amount_finer() })
		.default(0)
});

/** The bulk action of the users list: the ticked users and what to do with them. */
export const usersBulkForm = z.object({
	ids: z.array(z.number().int().positive()).default([]),
	op: z.enum(['enable', 'disable'])
});
