import type { ImportCounts, ImportReport } from './report';

const LABELS: Record<keyof ImportCounts, string> = {
	users: 'accounts',
	apiKeys: 'API keys',
	channels: 'channels',
	channelKeys: 'channel keys',
	redemptionCodes: 'redemption codes',
	prices: 'model prices',
	groups: 'groups',
	logs: 'log rows'
};

/** The report as the CLI prints it: what was (or would be) imported, then every skipped row and note. */
export function formatReport(report: ImportReport): string {
	const lines: string[] = [];
	lines.push(report.dryRun ? `Dry run against ${report.source}: nothing was written.` : `Imported from ${report.source}.`);
	lines.push('');
	const width = Math.max(...Object.values(LABELS).map((l) => l.length));
	lines.push(`${''.padEnd(width)}  ${report.dryRun ? 'would import' : 'imported'}  already there`);
	for (const key of Object.keys(LABELS) as Array<keyof ImportCounts>) {
		lines.push(`${LABELS[key].padEnd(width)}  ${String(report.imported[key]).padStart(report.dryRun ? 12 : 8)}  ${String(report.alreadyImported[key]).padStart(13)}`);
	}
	const h = report.history;
	lines.push('');
	lines.push(`History: ${h.topUps} successful top-ups (paid ${h.topUpsPaid.toFixed(2)} in total) came with the balances; ${h.pendingTopUps} pending top-ups are not carried over; ${h.abilities} abilities are rebuilt from the channels.`);
	if (report.skipped.length) {
		lines.push('', `Skipped (${report.skipped.length}):`);
		for (const s of report.skipped) lines.push(`  ${s.table} #${s.id}${s.name ? ` "${s.name}"` : ''}: ${s.reason}`);
	}
	if (report.notes.length) {
		lines.push('', `Notes (${report.notes.length}):`);
		for (const n of report.notes) lines.push(`  ${n.table} #${n.id}${n.name ? ` "${n.name}"` : ''}: ${n.message}`);
	}
	return lines.join('\n');
}
