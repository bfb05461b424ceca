import * as z from 'zod';
import { m } from '../paraglide/messages';

/**
 * The usage-log filter form (a GET form). Times come from `datetime-local` inputs, in the
 * viewer's zone: the browser fills `tz` with its offset (`Date#getTimezoneOffset`, minutes);
 * without JavaScript it stays empty and the times are read as UTC.
 */
export const logFilterForm = z.object({
	key: z.string().regex(/^\d*$/, { error: () => m.logs_v_pick_key() }).default(''),
	model: z.string().trim().max(200, { error: () => m.logs_v_model_too_long() }).default(''),
	status: z.enum(['', 'ok', 'error'], { error: () => m.logs_v_pick_status() }).default(''),
	from: z.string().regex(/^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?)?$/, { error: () => m.logs_v_date_time() }).default(''),
	to: z.string().regex(/^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?)?$/, { error: () => m.logs_v_date_time() }).default(''),
	tz: z.string().regex(/^(-?\d{1,4})?$/).default('')
});

export type LogFilterForm = z.infer<typeof logFilterForm>;

/** A `datetime-local` value read in the zone `tzOffsetMinutes` behind UTC (as `getTimezoneOffset` says), as ISO 8601 UTC. */
export function localToIso(value: string, tzOffsetMinutes: number): string | undefined {
	const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
	if (!m) return undefined;
	const [, y, mo, d, h, mi, s] = m;
	const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0));
	if (Number.isNaN(utc)) return undefined;
	return new Date(utc + tzOffsetMinutes * 60_000).toISOString();
}

/** The service's query from the form: empty fields are no filter. */
export function logQueryOf(f: LogFilterForm): Record<string, string> {
	const tz = f.tz === '' ? 0 : Number(f.tz);
	const q: Record<string, string> = {};
	if (f.key !== '') q.keyId = f.key;
	if (f.model !== '') q.model = f.model;
	if (f.status !== '') q.status = f.status;
	const from = f.from ? localToIso(f.from, tz) : undefined;
	const to = f.to ? localToIso(f.to, tz) : undefined;
	if (from) q.from = from;
	if (to) q.to = to;
	return q;
}
