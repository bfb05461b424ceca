import type { ImportCounts, ImportReport } from '$lib/server/import/newapi/report';
import type { Notice } from './notice';

/** The import page's outcome: the notice, and the report of a preview or an import. */
export interface ImportNotice extends Notice {
	report?: ImportReport;
}

/** What each count is called, singular and plural, in the order the report lists them. */
export const COUNT_LABELS: Record<keyof ImportCounts, [string, string]> = {
	users: ['user', 'users'],
	apiKeys: ['API key', 'API keys'],
	channels: ['channel', 'channels'],
	channelKeys: ['channel key', 'channel keys'],
	redemptionCodes: ['redemption code', 'redemption codes'],
	prices: ['model price', 'model prices'],
	groups: ['group', 'groups'],
	logs: ['log row', 'log rows']
};

/** "2 users, 3 API keys and 1 channel", or "nothing new" when every count is 0. */
export function importSummary(counts: ImportCounts): string {
	const parts = (Object.keys(COUNT_LABELS) as (keyof ImportCounts)[])
		.filter((kind) => counts[kind] > 0)
		.map((kind) => `${counts[kind].toLocaleString('en-US')} ${COUNT_LABELS[kind][counts[kind] === 1 ? 0 : 1]}`);
	if (parts.length === 0) return 'nothing new';
	return parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}
