import { formatNumber } from '$lib/i18n/format';
import { m } from '$lib/paraglide/messages';
import type { ImportCounts, ImportReport } from '$lib/server/import/newapi/report';
import type { Notice } from './notice';

/** The import page's outcome: the notice, and the report of a preview or an import. */
export interface ImportNotice extends Notice {
	report?: ImportReport;
}

type Counted = (inputs: { count: string }) => string;

/**
 * What each count is called (the table's row heading, and one for one row and for several in
 * the summary), in the order the report lists them.
 */
export const COUNT_LABELS: Record<keyof ImportCounts, { heading: () => string; one: Counted; many: Counted }> = {
	users: { heading: m.settings_import_kind_users, one: m.settings_import_count_user, many: m.settings_import_count_users },
	apiKeys: { heading: m.settings_import_kind_api_keys, one: m.settings_import_count_api_key, many: m.settings_import_count_api_keys },
	channels: { heading: m.settings_import_kind_channels, one: m.settings_import_count_channel, many: m.settings_import_count_channels },
	channelKeys: { heading: m.settings_import_kind_channel_keys, one: m.settings_import_count_channel_key, many: m.settings_import_count_channel_keys },
	redemptionCodes: { heading: m.settings_import_kind_codes, one: m.settings_import_count_code, many: m.settings_import_count_codes },
	prices: { heading: m.settings_import_kind_prices, one: m.settings_import_count_price, many: m.settings_import_count_prices },
	groups: { heading: m.settings_import_kind_groups, one: m.settings_import_count_group, many: m.settings_import_count_groups },
	logs: { heading: m.settings_import_kind_logs, one: m.settings_import_count_log, many: m.settings_import_count_logs }
};

/** "2 users, 3 API keys and 1 channel", or "nothing new" when every count is 0 (in the page's language). */
export function importSummary(counts: ImportCounts): string {
	const parts = (Object.keys(COUNT_LABELS) as (keyof ImportCounts)[])
		.filter((kind) => counts[kind] > 0)
		.map((kind) => COUNT_LABELS[kind][counts[kind] === 1 ? 'one' : 'many']({ count: formatNumber(counts[kind]) }));
	if (parts.length === 0) return m.settings_import_nothing_new();
	if (parts.length === 1) return parts[0]!;
	return m.settings_import_list({ items: parts.slice(0, -1).join(m.settings_import_list_separator()), last: parts.at(-1)! });
}
