import type { NewApiTable } from './source';

/** What an import did (or, in a dry run, would do), table by table. */
export interface ImportCounts {
	users: number;
	apiKeys: number;
	channels: number;
	channelKeys: number;
	redemptionCodes: number;
	prices: number;
	groups: number;
	logs: number;
}

/** A New-API row that is not imported, and why. */
export interface SkippedRow {
	table: NewApiTable;
	/** New-API's id of the row (the option key for options). */
	id: number | string;
	/** What people know the row by: a username, key name, channel name. */
	name?: string;
	reason: string;
}

/** A row imported with a change the operator should know of (a second root made admin, an e-mail dropped). */
export interface ImportNote {
	table: NewApiTable;
	id: number | string;
	name?: string;
	message: string;
}

export interface ImportReport {
	/** The source as ImportSource.label gives it (password masked). */
	source: string;
	dryRun: boolean;
	/** Rows imported by this run (in a dry run: rows that would be). */
	imported: ImportCounts;
	/** Rows an earlier import already brought over (matched by New-API's ids), left as they are. */
	alreadyImported: ImportCounts;
	skipped: SkippedRow[];
	notes: ImportNote[];
	/** What is read for the record but carried over only through the balances it produced. */
	history: { topUps: number; /** What the successful top-ups paid, in the currency of New-API's payment settings. */ topUpsPaid: number; pendingTopUps: number; abilities: number };
}

export const emptyCounts = (): ImportCounts => ({ users: 0, apiKeys: 0, channels: 0, channelKeys: 0, redemptionCodes: 0, prices: 0, groups: 0, logs: 0 });
