import type { Cookies } from '@sveltejs/kit';
import { snapshot } from '../state/store';
import { TZ_COOKIE, validTimeZone } from '../../time-zone';

/**
 * The zone a page counts its days in: the viewer's own ("viewer", from the cookie their
 * browser sets), UTC because root chose UTC days for everyone ("utc"), or UTC because the
 * browser has not said yet ("unknown": the first page, or no JavaScript).
 */
export interface DayZone {
	zone: string;
	kind: 'viewer' | 'utc' | 'unknown';
}

/** The viewer's time zone as their browser named it, if it did and the name is a real zone. */
export function viewerZone(cookies: Pick<Cookies, 'get'>): string | undefined {
	return validTimeZone(cookies.get(TZ_COOKIE));
}

export function dayZone(cookies: Pick<Cookies, 'get'>): DayZone {
	if (snapshot().options['console.day_zone'] === 'utc') return { zone: 'UTC', kind: 'utc' };
	const zone = viewerZone(cookies);
	return zone ? { zone, kind: 'viewer' } : { zone: 'UTC', kind: 'unknown' };
}
