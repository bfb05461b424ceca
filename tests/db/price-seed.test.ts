import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_PRICES } from '../../src/lib/server/billing/default-prices';
import { createLogger } from '../../src/lib/server/observability/logger';
import { PRICES_SEEDED_OPTION, seedDefaultPricesOnce } from '../../src/lib/server/services/price-defaults';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { fixtures, type Fixtures } from '../harness/fixtures';

const log = createLogger('silent');
const opened: Array<{ db: TestDatabase; fx: Fixtures }> = [];

async function open() {
	const db = await freshDatabase({ migrated: true });
	const fx = fixtures(db.url);
	opened.push({ db, fx });
	return { db, fx };
}

afterAll(async () => {
	for (const { db, fx } of opened) {
		await fx.close();
		await db.drop();
	}
});

describe('seeding the default prices', () => {
	let db: TestDatabase;
	let fx: Fixtures;
	beforeAll(async () => ({ db, fx } = await open()));

	test('a new installation gets the whole table once, with a marker and an audit row', async () => {
		expect(await seedDefaultPricesOnce(fx.db, log)).toEqual({ added: DEFAULT_PRICES.length, updated: 0 });
		const [row] = await db.sql`select count(*)::int as n from model_prices`;
		expect(row?.n).toBe(DEFAULT_PRICES.length);
		expect(await db.sql`select 1 from options where key = ${PRICES_SEEDED_OPTION}`).toHaveLength(1);
		expect(await db.sql`select actor_kind from audit_log where action = 'price.seed'`).toEqual([{ actor_kind: 'system' }]);
	});

	test('later starts seed nothing, even when every price was deleted', async () => {
		await db.sql`delete from model_prices`;
		expect(await seedDefaultPricesOnce(fx.db, log)).toBeNull();
		expect(await db.sql`select 1 from model_prices`).toHaveLength(0);
	});
});

test('instances starting together seed once between them', async () => {
	const { db, fx } = await open();
	const outcomes = await Promise.all([seedDefaultPricesOnce(fx.db, log), seedDefaultPricesOnce(fx.db, log), seedDefaultPricesOnce(fx.db, log)]);
	expect(outcomes.filter((o) => o !== null)).toEqual([{ added: DEFAULT_PRICES.length, updated: 0 }]);
	expect(await db.sql`select 1 from audit_log where action = 'price.seed'`).toHaveLength(1);
});

test('an installation that already has prices keeps its table as it is', async () => {
	const { db, fx } = await open();
	await db.sql`insert into model_prices (model, model_ratio) values ('house-model', 0.5)`;
	expect(await seedDefaultPricesOnce(fx.db, log)).toEqual({ added: 0, updated: 0 });
	expect(await db.sql`select model from model_prices`).toEqual([{ model: 'house-model' }]);
	expect(await seedDefaultPricesOnce(fx.db, log)).toBeNull();
});
