import { describe, expect, test } from 'vitest';
import { csvCell, csvResponse, toCsv } from './csv';

describe('csv', () => {
	test('quotes cells with commas, quotes and line breaks', () => {
		expect(csvCell('plain')).toBe('plain');
		expect(csvCell('a,b')).toBe('"a,b"');
		expect(csvCell('say "hi"')).toBe('"say ""hi"""');
		expect(csvCell('two\nlines')).toBe('"two\nlines"');
	});

	test('neutralises cells a spreadsheet would run as formulas', () => {
		expect(csvCell('=HYPERLINK("http://evil.example","x")')).toBe(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
		expect(csvCell('+1')).toBe("'+1");
		expect(csvCell('-2+3')).toBe("'-2+3");
		expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
		expect(csvCell('\tcmd')).toBe("'\tcmd");
		expect(csvCell('\rcmd')).toBe(`"'\rcmd"`);
	});

	test('numbers stay numbers, even negative ones; empty for null', () => {
		expect(csvCell(-5)).toBe('-5');
		expect(csvCell(0.25)).toBe('0.25');
		expect(csvCell(null)).toBe('');
		expect(csvCell(undefined)).toBe('');
		expect(csvCell(new Date('2026-01-02T03:04:05.000Z'))).toBe('2026-01-02T03:04:05.000Z');
	});

	test('rows end with CRLF and the header comes first', () => {
		expect(toCsv(['a', 'b'], [[1, 'x'], [2, null]])).toBe('a,b\r\n1,x\r\n2,\r\n');
	});

	test('a download names a safe file', () => {
		const res = csvResponse('logs 2026/01.csv', 'a\r\n');
		expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
		expect(res.headers.get('content-disposition')).toBe('attachment; filename="logs_2026_01.csv"');
	});
});
