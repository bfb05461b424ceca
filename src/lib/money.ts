/** 500,000 quota units = 1 USD (New-API's unit, so its ratio tables import unchanged). */
export const QUOTA_PER_USD = 500_000;

export function quotaToUsd(quota: number): number {
	return quota / QUOTA_PER_USD;
}

/** "$12.35"; amounts under a cent keep enough digits to stay visible. */
export function formatUsd(quota: number): string {
	const usd = quotaToUsd(quota);
	const digits = usd !== 0 && Math.abs(usd) < 0.01 ? 6 : 2;
	return usd.toLocaleString('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: digits });
}
