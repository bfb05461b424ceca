import { eq } from 'drizzle-orm';
import { groups } from '../db/schema';
import { optionDefinitions, type OptionKey, type Options } from '../options/definitions';
import { requireReader, requireRoot, type Actor } from './actor';
import { writeAudit } from './audit';
import type { ServiceContext } from './context';
import { m } from '../../paraglide/messages';
import { ServiceError, fieldError, say } from './errors';
import { withChanges } from './notify';
import { loadOptions, setOption } from './options-store';

export async function getOptions(ctx: ServiceContext, actor: Actor): Promise<Options> {
	requireReader(actor);
	return loadOptions(ctx.db);
}

/** Root changes global options; every key is validated before any is written. */
export async function patchOptions(ctx: ServiceContext, actor: Actor, patch: unknown): Promise<Options> {
	requireRoot(actor);
	if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
		throw new ServiceError('invalid_request', 'Send an object of option names and values.');
	}
	const entries: Array<[OptionKey, unknown]> = [];
	for (const [key, value] of Object.entries(patch)) {
		if (!(key in optionDefinitions)) throw fieldError('invalid_request', key, 'there is no such option');
		const parsed = optionDefinitions[key as OptionKey].schema.safeParse(value);
		if (!parsed.success) throw fieldError('invalid_request', key, `${parsed.error.issues[0]?.message}`);
		entries.push([key as OptionKey, parsed.data]);
	}
	return withChanges(ctx.db, async (tx) => {
		const group = entries.find(([key]) => key === 'accounts.signup_group')?.[1];
		if (typeof group === 'string' && (await tx.select({ name: groups.name }).from(groups).where(eq(groups.name, group))).length === 0) {
			throw fieldError('invalid_request', 'accounts.signup_group', say(m.settings_no_such_group, { group }));
		}
		const before = await loadOptions(tx);
		for (const [key, value] of entries) await setOption(tx, key, value as never);
		const after = await loadOptions(tx);
		await writeAudit(tx, actor, { action: 'options.update', targetType: 'options', before, after });
		return { result: after, changes: [{ kind: 'options' }] };
	});
}
