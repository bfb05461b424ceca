import { m } from '../paraglide/messages';

/**
 * Why a call failed, in the page's language, from the error `code` its client got (the row's
 * `errorCode`). The code itself is shown beside it: it is what the client's program saw.
 */
const REASONS: Readonly<Record<string, () => string>> = {
	// Refused before any upstream (relay/refusals.ts).
	key_disabled: () => m.logs_reason_key_disabled(),
	key_expired: () => m.logs_reason_key_expired(),
	account_disabled: () => m.logs_reason_account_disabled(),
	ip_not_allowed: () => m.logs_reason_ip_not_allowed(),
	model_not_allowed: () => m.logs_reason_model_not_allowed(),
	model_not_found: () => m.logs_reason_model_not_found(),
	model_not_priced: () => m.logs_reason_model_not_priced(),
	insufficient_quota: () => m.logs_reason_insufficient_quota(),
	rate_limit_exceeded: () => m.logs_reason_rate_limit_exceeded(),
	overloaded: () => m.logs_reason_overloaded(),
	missing_model: () => m.logs_reason_missing_model(),
	invalid_json: () => m.logs_reason_invalid_json(),
	json_too_deep: () => m.logs_reason_json_too_deep(),
	request_too_large: () => m.logs_reason_request_too_large(),
	request_timeout: () => m.logs_reason_request_timeout(),
	invalid_request: () => m.logs_reason_invalid_request(),
	unknown_url: () => m.logs_reason_unknown_url(),
	// Nothing answered (relay/final-error.ts).
	no_available_channel: () => m.logs_reason_no_available_channel(),
	upstream_timeout: () => m.logs_reason_upstream_timeout(),
	upstream_unreachable: () => m.logs_reason_upstream_unreachable(),
	upstream_error: () => m.logs_reason_upstream_error(),
	bad_response: () => m.logs_reason_bad_response(),
	upstream_auth_failed: () => m.logs_reason_upstream_auth_failed(),
	internal_error: () => m.logs_reason_internal_error()
};

/** The reason a code stands for, or null for a code the catalogue does not know (an upstream's own). */
export function reasonText(code: string | null | undefined): string | null {
	const text = code ? REASONS[code] : undefined;
	return text ? text() : null;
}

/** What a failed call's row says of itself, for a list of failures (the dashboard's). */
export interface FailureSummary {
	requestId: string;
	createdAt: Date;
	/** The model asked for; a placeholder when the call was refused before its body was read. */
	model: string;
	status: number;
	keyName: string | null;
	errorCode: string | null;
	/** The reason in the page's language, null when the code is not one the catalogue knows. */
	reason: string | null;
	/** One line to show: the reason and its code (and an upstream's own words), else the row's error. */
	error: string | null;
	/** Refusals of the same key folded into this row (not logged one by one). */
	repeatCount: number;
}

interface FailedRow {
	requestId: string;
	createdAt: Date;
	model: string;
	status: number;
	keyName: string | null;
	errorCode: string | null;
	error: string | null;
	repeatCount: number;
}

/** Codes of calls nothing answered: the upstream's own words (as the row keeps them) say more than the code. */
const UPSTREAM = new Set(['upstream_timeout', 'upstream_unreachable', 'upstream_error', 'bad_response']);

export function summarizeFailure(row: FailedRow): FailureSummary {
	const reason = reasonText(row.errorCode);
	const line = reason ? `${reason} (${row.errorCode})` : null;
	const error = !line ? row.error : UPSTREAM.has(row.errorCode!) && row.error ? `${line} ${row.error}` : line;
	return {
		requestId: row.requestId,
		createdAt: row.createdAt,
		model: row.model || m.logs_model_unread(),
		status: row.status,
		keyName: row.keyName,
		errorCode: row.errorCode,
		reason,
		error,
		repeatCount: row.repeatCount
	};
}
