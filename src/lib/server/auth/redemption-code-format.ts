import { hashToken, randomToken } from './token-format';

/**
 * "egc-" + 32 base32 characters (160 random bits). Base32 rather than base62 because people
 * read codes off receipts and retype them: one case, no 0/O or 1/l to confuse.
 */
export function generateRedemptionCode(): string {
	return `egc-${randomToken(20)}`;
}

export const REDEMPTION_CODE = /^egc-[a-z2-7]{32}$/;

/** New-API's codes (a UUID's 32 hex digits), which keep working after an import. */
export const NEWAPI_REDEMPTION_CODE = /^[0-9a-f]{32}$/;

/** Whether a typed code has a shape any stored code could have (so only those are looked up). */
export const isRedemptionCodeShape = (code: string): boolean => REDEMPTION_CODE.test(code) || NEWAPI_REDEMPTION_CODE.test(code);

/** Shown in lists to tell codes apart; 4 of the 32 random characters, so 140 bits stay secret. */
export function redemptionCodePrefix(code: string): string {
	return code.slice(0, 8);
}

export const hashRedemptionCode = hashToken;
