import { sql } from 'drizzle-orm';
import type { DbLike } from '../db';
import type { Options } from '../options/definitions';

export type ChecklistKey = 'channel' | 'prices' | 'users' | 'payments';

/** One step of setting a gateway up, judged from what the database holds now. */
export interface ChecklistItem {
	key: ChecklistKey;
	done: boolean;
	/** The page that does it. */
	href: string;
	/** channel: enabled channels; prices: served models still to check; users: other accounts; payments: 1 when on. */
	count: number;
}

interface Facts {
	enabled_channels: number;
	unchecked_models: number;
	unchecked_sample: string[] | null;
	other_users: number;
}

/**
 * The first-run checklist on an administrator's dashboard:
 * - a channel: at least one enabled channel;
 * - prices: every model an enabled channel serves has a price, and none is a default the
 *   seeded table marks unverified (saving a price in the console clears that mark);
 * - users: registration is open, or there is someone besides the viewer;
 * - payments: online top-ups are on (`paymentsEnabled`, from the payments service).
 */
export async function setupChecklist(
	db: DbLike,
	state: { options: Pick<Options, 'registration.enabled'>; paymentsEnabled: boolean; viewerId: number }
): Promise<{ items: ChecklistItem[]; uncheckedModels: string[]; registrationOpen: boolean }> {
	const [facts] = (await db.execute(sql`
		with served as (
			select distinct unnest(models) as model from channels where status = 'enabled' and deleted_at is null
		), unchecked as (
			select s.model from served s left join model_prices p on p.model = s.model
			where p.model is null or p.source like 'unverified:%'
		)
		select
			(select count(*)::int from channels where status = 'enabled' and deleted_at is null) as enabled_channels,
			(select count(*)::int from unchecked) as unchecked_models,
			(select array_agg(model order by model) from (select model from unchecked order by model limit 5) u) as unchecked_sample,
			(select count(*)::int from users where id <> ${state.viewerId} and deleted_at is null) as other_users
	`)) as unknown as Facts[];
	const f = facts ?? { enabled_channels: 0, unchecked_models: 0, unchecked_sample: null, other_users: 0 };
	return {
		items: [
			{ key: 'channel', done: f.enabled_channels > 0, href: '/admin/channels/new', count: f.enabled_channels },
			{ key: 'prices', done: f.enabled_channels > 0 && f.unchecked_models === 0, href: '/admin/prices', count: f.unchecked_models },
			{ key: 'users', done: state.options['registration.enabled'] || f.other_users > 0, href: '/admin/users', count: f.other_users },
			{ key: 'payments', done: state.paymentsEnabled, href: '/admin/payments', count: state.paymentsEnabled ? 1 : 0 }
		],
		uncheckedModels: f.unchecked_sample ?? [],
		registrationOpen: state.options['registration.enabled']
	};
}
