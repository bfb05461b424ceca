import type { RequestEvent } from '@sveltejs/kit';
import * as z from 'zod';
import { balanceAdjustment, balanceHistoryQuery, redeemInput, redemptionCreate, redemptionListQuery } from '../../../schemas/billing';
import { services } from '../../app/services';
import { adjustBalance, balanceHistory, myBalanceHistory } from '../../services/balances';
import {
	createRedemptionCodes,
	disableRedemptionCode,
	exportRedemptionCodes,
	listRedemptionCodes,
	redeemCode
} from '../../services/redemptions';
import { csvResponse, toCsv } from '../csv';
import { endpoint } from '../endpoint';
import { balanceAdjustedView, balanceHistoryView, createdRedemptions, pageOf, redeemedView, redemptionView } from '../views';
import { idParams } from './common';

const format = z.enum(['json', 'csv']).optional().meta({ description: 'csv: answer as a CSV download (so does `Accept: text/csv`).' });

function wantsCsv(event: RequestEvent, requested: 'json' | 'csv' | undefined): boolean {
	if (requested) return requested === 'csv';
	return /\btext\/csv\b/i.test(event.request.headers.get('accept') ?? '');
}

const day = () => new Date().toISOString().slice(0, 10);

export const createRedemptionsEndpoint = endpoint({
	method: 'POST',
	path: '/api/redemptions',
	summary: 'Create redemption codes (administrators); the codes are returned once, as JSON or CSV',
	tag: 'Billing',
	access: 'admin',
	query: z.object({ format }),
	body: redemptionCreate,
	response: createdRedemptions,
	status: 201,
	csv: true,
	// Deliberately not idempotent: the idempotency store keeps the answer, and this answer holds
	// plaintext codes, which must exist nowhere at rest. A retry after a lost answer makes a new
	// batch; the lost one can be found by name and disabled.
	idempotent: false,
	handle: async ({ svc, actor, body, query, event }) => {
		const created = await createRedemptionCodes(svc, actor, body);
		if (!wantsCsv(event, query.format)) return created;
		const { amountUsd, name, expiresAt } = created.redemption;
		const csv = toCsv(
			['id', 'name', 'code', 'amount_usd', 'expires_at'],
			created.codes.map((c) => [c.id, name, c.code, amountUsd, expiresAt])
		);
		const response = csvResponse(`redemption-codes-${day()}.csv`, csv);
		return new Response(response.body, { status: 201, headers: response.headers });
	}
});

export const listRedemptionsEndpoint = endpoint({
	method: 'GET',
	path: '/api/redemptions',
	summary: 'List redemption codes (never the codes themselves); ?format=csv exports every match',
	tag: 'Billing',
	access: 'reader',
	query: redemptionListQuery.extend({ format }),
	response: pageOf(redemptionView, 'RedemptionCodePage'),
	csv: true,
	handle: async ({ svc, actor, query, event }) => {
		if (!wantsCsv(event, query.format)) return listRedemptionCodes(svc, actor, query);
		const rows = await exportRedemptionCodes(svc, actor, query);
		const csv = toCsv(
			['id', 'name', 'prefix', 'amount_usd', 'quota', 'status', 'created_at', 'expires_at', 'redeemed_by', 'redeemed_at'],
			rows.map((r) => [r.id, r.name, r.prefix, r.amountUsd, r.quota, r.status, r.createdAt, r.expiresAt, r.redeemedByUsername, r.redeemedAt])
		);
		return csvResponse(`redemption-codes-${day()}.csv`, csv);
	}
});

export const disableRedemptionEndpoint = endpoint({
	method: 'POST',
	path: '/api/redemptions/{id}/disable',
	summary: 'Disable an unused redemption code (a redeemed one is a 409)',
	tag: 'Billing',
	access: 'admin',
	params: idParams,
	response: redemptionView,
	handle: ({ svc, actor, params }) => disableRedemptionCode(svc, actor, params.id)
});

export const redeemEndpoint = endpoint({
	method: 'POST',
	path: '/api/redeem',
	summary:
		"Redeem a code onto the signed-in user's balance. Errors: code_invalid (400), code_expired (400), code_disabled (400), code_used (409); repeated failures get 429 rate_limited",
	tag: 'Billing',
	access: 'authenticated',
	body: redeemInput,
	response: redeemedView,
	errors: [429],
	handle: ({ svc, actor, body, event }) => redeemCode(svc, actor, body, { limiter: services().redeemLimiter, ip: event.locals.clientIp })
});

export const adjustBalanceEndpoint = endpoint({
	method: 'POST',
	path: '/api/users/{id}/balance',
	summary: "Credit or debit a user's balance by hand, with a reason (root only for administrators' balances)",
	tag: 'Billing',
	access: 'admin',
	params: idParams,
	body: balanceAdjustment,
	response: balanceAdjustedView,
	idempotent: true,
	handle: ({ svc, actor, params, body }) => adjustBalance(svc, actor, params.id, body)
});

export const userBalanceHistoryEndpoint = endpoint({
	method: 'GET',
	path: '/api/users/{id}/balance-history',
	summary: "A user's balance changes (not metered calls), newest first",
	tag: 'Billing',
	access: 'reader',
	params: idParams,
	query: balanceHistoryQuery,
	response: balanceHistoryView,
	handle: ({ svc, actor, params, query }) => balanceHistory(svc, actor, params.id, query)
});

export const myBalanceHistoryEndpoint = endpoint({
	method: 'GET',
	path: '/api/me/balance-history',
	summary: "The signed-in user's balance changes (not metered calls), newest first",
	tag: 'Billing',
	access: 'authenticated',
	query: balanceHistoryQuery,
	response: balanceHistoryView,
	handle: ({ svc, actor, query }) => myBalanceHistory(svc, actor, query)
});
