import { getLocale } from './paraglide/runtime';

/** 500,000 quota units = 1 USD (New-API's unit, so its ratio tables import unchanged). */
export const QUOTA_PER_USD = 500_000;

export function quotaToUsd(quota: number): number {
	return quota / QUOTA_PER_USD;
}

/**
 * "$12.35" (in the page's language: "US$12.35" in Chinese); amounts under a cent keep up to
 * six digits to stay visible.
 */
export function formatUsd(quota: number): string {
	return formatUsdAmount(quotaToUsd(quota));
}

export function formatUsdAmount(usd: number): string {
	const digits = usd !== 0 && Math.abs(usd) < 0.01 ? 6 : 2;
	return usd.toLocaleString(getLocale(), { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: digits });
}
