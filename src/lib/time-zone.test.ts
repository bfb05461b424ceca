import { describe, expect, test } from 'vitest';
import { addDays, dayBounds, dayIn, daysAreUtcDays, daysFrom, startOfDay, validTimeZone, zoneOffsetMinutes } from './time-zone';

describe('time zones', () => {
	test('a zone the runtime knows is kept by its name; anything else is refused', () => {
		expect(validTimeZone('Asia/Shanghai')).toBe('Asia/Shanghai');
		expect(validTimeZone('UTC')).toBe('UTC');
		expect(validTimeZone('Mars/Olympus_Mons')).toBeUndefined();
		expect(validTimeZone('')).toBeUndefined();
		expect(validTimeZone('Asia/Shanghai; drop table users')).toBeUndefined();
		expect(validTimeZone('x'.repeat(100))).toBeUndefined();
		expect(validTimeZone(undefined)).toBeUndefined();
	});

	test('offsets and days as the zone lives them', () => {
		const t = Date.parse('2026-12-03T16:30:00Z');
		expect(zoneOffsetMinutes('Asia/Shanghai', t)).toBe(480);
		expect(zoneOffsetMinutes('Asia/Kolkata', t)).toBe(330);
		expect(zoneOffsetMinutes('America/New_York', t)).toBe(-300);
		expect(dayIn('Asia/Shanghai', t)).toBe('2026-12-04');
		expect(dayIn('UTC', t)).toBe('2026-12-03');
		expect(dayIn('America/Los_Angeles', t)).toBe('2026-12-03');
	});

	test('a day starts at its local midnight, also across clock changes', () => {
		expect(new Date(startOfDay('Asia/Shanghai', '2026-12-04')).toISOString()).toBe('2026-12-03T16:00:00.000Z');
		expect(new Date(startOfDay('Asia/Kolkata', '2026-12-04')).toISOString()).toBe('2026-12-03T18:30:00.000Z');
		expect(new Date(startOfDay('America/New_York', '2026-03-08')).toISOString()).toBe('2026-03-08T05:00:00.000Z');
		expect(new Date(startOfDay('America/New_York', '2026-03-09')).toISOString()).toBe('2026-03-09T04:00:00.000Z');
		// The instant found is on the day, and the minute before it is not, whatever the zone does.
		const zones = ['America/Santiago', 'America/Havana', 'Asia/Tehran', 'Australia/Lord_Howe', 'Pacific/Apia', 'Europe/London', 'Pacific/Kiritimati', 'Asia/Kathmandu'];
		for (const zone of zones) {
			for (const day of daysFrom('2026-01-01', '2026-12-31')) {
				const start = startOfDay(zone, day);
				expect(dayIn(zone, start), `${zone} ${day}`).toBe(day);
				expect(dayIn(zone, start - 60_000) < day, `${zone} ${day}`).toBe(true);
			}
		}
	});

	test('ranges of days, and whether they are UTC days', () => {
		expect(daysFrom('2026-12-30', '2027-01-02')).toEqual(['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02']);
		expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
		expect(dayBounds('Asia/Shanghai', '2026-12-01', '2026-12-02').map((t) => new Date(t).toISOString())).toEqual([
			'2026-11-30T16:00:00.000Z',
			'2026-12-01T16:00:00.000Z',
			'2026-12-02T16:00:00.000Z'
		]);
		expect(daysAreUtcDays('UTC', '2026-01-01', '2026-12-31')).toBe(true);
		expect(daysAreUtcDays('Africa/Abidjan', '2026-01-01', '2026-03-31')).toBe(true);
		expect(daysAreUtcDays('Europe/London', '2026-01-01', '2026-01-31')).toBe(true);
		expect(daysAreUtcDays('Europe/London', '2026-03-01', '2026-04-30')).toBe(false);
		expect(daysAreUtcDays('Asia/Shanghai', '2026-12-01', '2026-12-01')).toBe(false);
	});
});
