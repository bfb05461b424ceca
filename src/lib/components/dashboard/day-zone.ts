import { m } from '$lib/paraglide/messages';

/** What a page's days are, for the line under its figures. */
export interface DayZoneInfo {
	zone: string;
	kind: 'viewer' | 'utc' | 'unknown';
}

export function daysLabel(z: DayZoneInfo): string {
	if (z.kind === 'viewer') return m.dashboard_days_in_zone({ zone: z.zone });
	if (z.kind === 'utc') return m.dashboard_days_utc_chosen();
	return m.dashboard_days_utc();
}
