import { hashToken, randomToken } from './token-format';

/**
 * "egc-" + 32 base32 characters (160 random bits). Base32 rather than base62 because people
 * read codes off receipts and retype them: one case, no 0/O or 1/l to confuse.
 */
export function generateRedemptionCode(): string {
	return `egc-${randomToken(20)}`;
}

export const REDEMPTION_CODE = /^egc-[a-z2-7]{32}$/;

/** Shown in lists to tell codes apart; 4 of the 32 random characters, so 140 bits stay secret. */
export function redemptionCodePrefix(code: string): string {
	return code.slice(0, 8);
}

export const hashRedemptionCode = hashToken;
