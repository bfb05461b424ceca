import * as z from 'zod';
import { QUOTA_PER_USD } from '../money';
import { m } from '../paraglide/messages';
import { apiKeyFields, type ApiKeyUpdate } from './api-keys';
import { modelName } from './common';

/** "2025-06-30T18:00" as a `datetime-local` input sends it. */
const LOCAL_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;

/**
 * The API key form as the browser sends it: a USD limit instead of quota units, the expiry as a
 * local date and time plus the browser's UTC offset, IPs one per line. `toKeyInput` turns it
 * into the service's input (`apiKeyFields`).
 */
export const apiKeyForm = z.object({
	name: apiKeyFields.shape.name,
	limitUsd: z
		.number({ error: () => m.keys_v_limit_number() })
		.min(0, { error: () => m.keys_v_limit_negative() })
		.max(10_000_000, { error: () => m.keys_v_limit_max() })
		.nullable()
		.default(null),
	expiresAt: z
		.string()
		.trim()
		.refine((v) => v === '' || (LOCAL_DATETIME.test(v) && !Number.isNaN(Date.parse(`${v}Z`))), { error: () => m.keys_v_expires() })
		.default(''),
	/** Minutes west of UTC (`Date#getTimezoneOffset`), set by the page's script; 0 = UTC without JavaScript. */
	tzOffset: z.number().int().min(-900).max(900).default(0),
	allowedModels: z.array(modelName).max(2000, { error: () => m.keys_v_models_max() }).default([]),
	allowedIps: z.string().max(64_000, { error: () => m.keys_v_ips_long() }).default(''),
	rpmLimit: z
		.number({ error: () => m.keys_v_rpm_whole() })
		.int({ error: () => m.keys_v_rpm_whole() })
		.min(1, { error: () => m.keys_v_rpm_min() })
		.max(1_000_000, { error: () => m.keys_v_rpm_max() })
		.nullable()
		.default(null)
});

export type ApiKeyForm = z.infer<typeof apiKeyForm>;

/** The IP allow-list textarea's lines, without blanks. */
export function ipLines(text: string): string[] {
	return text
		.split(/\r?\n/)
		.map((line) => line.trim())
		.filter((line) => line !== '');
}

/** A `datetime-local` value written at `tzOffset` minutes west of UTC, as an instant. */
export function localToDate(value: string, tzOffset: number): Date | null {
	if (value === '') return null;
	return new Date(Date.parse(`${value}Z`) + tzOffset * 60_000);
}

/** An instant as a `datetime-local` value at `tzOffset` minutes west of UTC. */
export function dateToLocal(value: Date | string | null, tzOffset: number): string {
	if (value === null) return '';
	return new Date(new Date(value).getTime() - tzOffset * 60_000).toISOString().slice(0, 16);
}

/** The form's values as the API key service takes them. */
export function toKeyInput(data: ApiKeyForm): Required<Omit<ApiKeyUpdate, 'enabled' | 'tpmLimit'>> {
	return {
		name: data.name,
		quotaLimit: data.limitUsd === null ? null : Math.round(data.limitUsd * QUOTA_PER_USD),
		expiresAt: localToDate(data.expiresAt, data.tzOffset),
		allowedModels: data.allowedModels,
		allowedIps: ipLines(data.allowedIps),
		rpmLimit: data.rpmLimit
	};
}

/** A stored key's values as the form shows them (times in UTC until the page's script localises them). */
export function fromKey(key: {
	name: string;
	quotaLimit: number | null;
	expiresAt: Date | null;
	allowedModels: string[];
	allowedIps: string[];
	rpmLimit: number | null;
}): ApiKeyForm {
	return {
		name: key.name,
		limitUsd: key.quotaLimit === null ? null : key.quotaLimit / QUOTA_PER_USD,
		expiresAt: dateToLocal(key.expiresAt, 0),
		tzOffset: 0,
		allowedModels: key.allowedModels,
		allowedIps: key.allowedIps.join('\n'),
		rpmLimit: key.rpmLimit
	};
}

/** Which form field a service refusal is about ("allowedIps.2" and "quotaLimit" included). */
export function formFieldOf(serviceField: string | undefined): keyof ApiKeyForm | undefined {
	if (!serviceField) return undefined;
	const head = serviceField.split('.')[0];
	if (head === 'quotaLimit') return 'limitUsd';
	if (head === 'name' || head === 'expiresAt' || head === 'allowedModels' || head === 'allowedIps' || head === 'rpmLimit') return head;
	return undefined;
}
