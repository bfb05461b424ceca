/**
 * CSV for exports people open in spreadsheets: RFC 4180 quoting, and cells that a spreadsheet
 * would run as a formula (=, +, -, @, tab, CR first) neutralised with a leading apostrophe,
 * because names, models and error texts in exports come from users and upstreams.
 */

export type CsvCell = string | number | boolean | bigint | Date | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: CsvCell): string {
	if (value === null || value === undefined) return '';
	if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
	let text = value instanceof Date ? value.toISOString() : value;
	if (FORMULA_START.test(text)) text = `'${text}`;
	return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(cells: readonly CsvCell[]): string {
	return `${cells.map(csvCell).join(',')}\r\n`;
}

export function toCsv(header: readonly string[], rows: Iterable<readonly CsvCell[]>): string {
	let out = csvLine(header);
	for (const row of rows) out += csvLine(row);
	return out;
}

/** A download: the browser saves it as `filename` instead of showing it. */
export function csvResponse(filename: string, body: string | ReadableStream<Uint8Array>): Response {
	return new Response(body, {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="${filename.replace(/[^\w.-]/g, '_')}"`,
			'cache-control': 'no-store'
		}
	});
}
