/**
 * The viewer's time zone: the browser names it (an IANA zone such as "Asia/Shanghai") in a small
 * cookie, so the server can count "today" and render moments as the viewer lives them. Pure
 * functions over `Intl`, shared by the browser and the server.
 */

/** Set by the browser on its first page (src/lib/components/layout/TimeZoneCookie.svelte). */
export const TZ_COOKIE = 'elygate_tz';

const DAY_MS = 86_400_000;
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(zone: string): Intl.DateTimeFormat {
	let f = formatters.get(zone);
	if (!f) {
		f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
		formatters.set(zone, f);
	}
	return f;
}

/** The zone's canonical name when `value` names one this runtime knows, else undefined. */
export function validTimeZone(value: unknown): string | undefined {
	if (typeof value !== 'string' || !ZONE_NAME.test(value)) return undefined;
	try {
		return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
	} catch {
		return undefined;
	}
}

/** The wall clock in `zone` at `ms`, read as if it were UTC (so plain arithmetic works on it). */
function wallClock(zone: string, ms: number): number {
	const p: Record<string, number> = {};
	for (const part of partsFormatter(zone).formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
	return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
}

/** Minutes `zone` is ahead of UTC at the instant `ms` (Asia/Shanghai: 480). */
export function zoneOffsetMinutes(zone: string, ms: number): number {
	return Math.round((wallClock(zone, Math.floor(ms / 1000) * 1000) - Math.floor(ms / 1000) * 1000) / 60_000);
}

/** The calendar day ("2026-12-04") that the instant `ms` falls on in `zone`. */
export function dayIn(zone: string, ms: number): string {
	return new Date(wallClock(zone, ms)).toISOString().slice(0, 10);
}

/** The day `n` days after `day` (negative: before). */
export function addDays(day: string, n: number): string {
	return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Every day from `from` to `to`, both included. */
export function daysFrom(from: string, to: string): string[] {
	const out: string[] = [];
	for (let day = from; day <= to; day = addDays(day, 1)) out.push(day);
	return out;
}

/**
 * The first instant of `day` in `zone`: its midnight, or the first moment after it where a
 * clock change skips midnight (Santiago and Beirut have done so).
 */
export function startOfDay(zone: string, day: string): number {
	const midnight = Date.parse(`${day}T00:00:00Z`);
	// Two rounds settle the offset around a change; the check below catches a skipped midnight.
	let t = midnight - zoneOffsetMinutes(zone, midnight) * 60_000;
	t = midnight - zoneOffsetMinutes(zone, t) * 60_000;
	if (dayIn(zone, t) === day && dayIn(zone, t - 60_000) < day) return t;
	// The first minute on `day`, searched between the widest offsets there are (-12 h .. +14 h).
	let lo = (midnight - 15 * 3_600_000) / 60_000;
	let hi = (midnight + 13 * 3_600_000) / 60_000;
	while (lo < hi) {
		const mid = Math.floor((lo + hi) / 2);
		if (dayIn(zone, mid * 60_000) >= day) hi = mid;
		else lo = mid + 1;
	}
	return lo * 60_000;
}

/** The days `from`..`to` in `zone` as instants: their starts, then the end of the last one. */
export function dayBounds(zone: string, from: string, to: string): number[] {
	return [...daysFrom(from, to), addDays(to, 1)].map((day) => startOfDay(zone, day));
}

/** Whether every day of the range begins at a UTC midnight in `zone` (UTC itself, or Africa/Abidjan). */
export function daysAreUtcDays(zone: string, from: string, to: string): boolean {
	return dayBounds(zone, from, to).every((t) => t % DAY_MS === 0);
}
