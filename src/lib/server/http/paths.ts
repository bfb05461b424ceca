/**
 * True for "/v1" and "/v1/..." (with or without a query), read straight off `request.url`
 * without building a URL object: this runs for every request the entry receives.
 */
export function isRelayUrl(url: string): boolean {
	const start = url.indexOf('/', url.indexOf('//') + 2);
	if (start < 0 || !url.startsWith('/v1', start)) return false;
	const next = url.charCodeAt(start + 3);
	return Number.isNaN(next) || next === 47 /* / */ || next === 63 /* ? */;
}
