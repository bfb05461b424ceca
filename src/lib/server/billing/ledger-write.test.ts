import { getTableColumns } from 'drizzle-orm';
import { describe, expect, test } from 'vitest';
import { requestLogs } from '../db/schema';
import { ledgerEntry } from '../testing/ledger-entry';
import { arrayLiteral, encodeBatch, FLUSH_SQL, UnencodableEntry } from './ledger-write';

const tableColumns = Object.values(getTableColumns(requestLogs)).map((c) => c.name);

describe('the flush statement', () => {
	test('inserts every request_logs column, in the table order, one parameter each', () => {
		const list = tableColumns.join(', ');
		expect(FLUSH_SQL).toContain(`insert into request_logs (${list})`);
		expect(FLUSH_SQL).toContain(`as t(${list})`);
		expect(FLUSH_SQL).toContain(`$${tableColumns.length}::text::`);
		expect(FLUSH_SQL).not.toContain(`$${tableColumns.length + 1}::`);
		expect(FLUSH_SQL).toContain('to_timestamp(created_at / 1000)');
	});

	test('each column travels as one array literal, a value per entry, in the same order', () => {
		const a = ledgerEntry({ requestId: 'req_a', createdAt: new Date(1_700_000_000_123), stream: true, modelRatio: 1.5, error: 'said "no" \\ twice' });
		const b = ledgerEntry({ requestId: 'req_b', apiKeyId: null, estimated: true, cost: 42 });
		const params = encodeBatch([a, b]);
		expect(params).toHaveLength(tableColumns.length);
		const byColumn = new Map(tableColumns.map((name, i) => [name, params[i]]));
		expect(byColumn.get('request_id')).toBe('{"req_a","req_b"}');
		expect(byColumn.get('created_at')).toBe('{1700000000123,1700000000000}');
		expect(byColumn.get('api_key_id')).toBe('{7,NULL}');
		expect(byColumn.get('stream')).toBe('{t,f}');
		expect(byColumn.get('estimated')).toBe('{f,t}');
		expect(byColumn.get('model_ratio')).toBe('{1.5,NULL}');
		expect(byColumn.get('cost')).toBe('{0,42}');
		expect(byColumn.get('error')).toBe('{"said \\"no\\" \\\\ twice",NULL}');
	});

	test('a number that is not finite cannot be sent: the entry is refused like a data error', () => {
		expect(() => arrayLiteral('int8', [1, Number.NaN])).toThrow(new UnencodableEntry('NaN is not a valid int8'));
		expect(() => encodeBatch([ledgerEntry({ latencyMs: Number.POSITIVE_INFINITY })])).toThrow(UnencodableEntry);
		expect(arrayLiteral('text', [])).toBe('{}');
	});
});
