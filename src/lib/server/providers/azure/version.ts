/**
 * What an api-version allows. Dated versions are compared by their date (a preview and the GA
 * of the same day count as the same family); `v1` is the current, versionless surface.
 */
export interface ApiVersion {
	v1: boolean;
	/** YYYY-MM-DD, or '9999-12-31' for v1 so that every "since" check passes. */
	date: string;
	/** The exact string for the query parameter. */
	raw: string;
}

export function apiVersionOf(raw: string): ApiVersion {
	if (raw === 'v1') return { v1: true, date: '9999-12-31', raw };
	return { v1: false, date: raw.slice(0, 10), raw };
}

/** Whether the version is at least the given date (YYYY-MM-DD strings compare as text). */
export const since = (version: ApiVersion, date: string): boolean => version.date >= date;

/** stream_options.include_usage and max_completion_tokens arrived with 2024-09-01-preview (GA in 2024-10-21). */
export const USAGE_IN_STREAM = '2024-09-01';
/** The developer role and reasoning_effort arrived with 2024-12-01-preview. */
export const DEVELOPER_ROLE = '2024-12-01';
