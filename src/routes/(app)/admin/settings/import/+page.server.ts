import { fail, type RequestEvent } from '@sveltejs/kit';
import { message, setError, superValidate, type SuperValidated } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import * as z from 'zod';
import { newApiImportRequest } from '$lib/schemas/newapi-import';
import { importFromNewApi } from '$lib/server/services/newapi-import';
import { ServiceError } from '$lib/server/services/errors';
import { pageContext } from '$lib/server/ui/page-context';
import { importSummary, type ImportNotice } from '$lib/components/admin-settings/import-notice';
import { m } from '$lib/paraglide/messages';
import type { Actions, PageServerLoad } from './$types';

const FORM_ID = 'newapi-import';

/** The importer's own request, plus the box ticked before a real import. */
const importForm = newApiImportRequest.extend({ confirmed: z.boolean().default(false) });
type ImportForm = SuperValidated<z.infer<typeof importForm>, ImportNotice>;

/**
 * What goes back to the browser: never the connection string, which may hold a password. With
 * JavaScript the page keeps what was typed; without it the operator types it again.
 */
function withoutSecrets(form: ImportForm): ImportForm {
	form.data.from = '';
	form.data.confirmed = false;
	return form;
}

export const load: PageServerLoad = async (event) => {
	pageContext(event, 'root');
	return { form: await superValidate(zod4(importForm), { id: FORM_ID }) };
};

async function run(event: RequestEvent, dryRun: boolean) {
	const { actor, svc } = pageContext(event, 'root');
	const form: ImportForm = await superValidate(event.request, zod4(importForm), { id: FORM_ID });
	if (!form.valid) return fail(400, { form: withoutSecrets(form) });
	const { confirmed, ...request } = form.data;
	// An import not confirmed is answered with the preview it should have been preceded by.
	const unconfirmed = !dryRun && !confirmed;
	try {
		const report = await importFromNewApi(svc, actor, request, { dryRun: dryRun || unconfirmed });
		if (unconfirmed) {
			form.message = { kind: 'error', text: m.settings_import_unconfirmed(), report };
			return setError(withoutSecrets(form), 'confirmed', m.settings_import_tick());
		}
		const text = dryRun
			? m.settings_import_previewed({ source: report.source })
			: m.settings_import_imported({ source: report.source, summary: importSummary(report.imported) });
		return message(withoutSecrets(form), { kind: 'ok', text, report } satisfies ImportNotice);
	} catch (err) {
		// The importer changes nothing when it refuses; its message names the row or the field.
		if (!(err instanceof ServiceError)) throw err;
		const status = err.status as 400;
		if (err.field && err.field in form.data) return setError(withoutSecrets(form), err.field as keyof ImportForm['data'], err.localizedDetail(), { status });
		return message(withoutSecrets(form), { kind: 'error', text: err.localizedMessage() } satisfies ImportNotice, { status });
	}
}

export const actions: Actions = {
	preview: (event) => run(event, true),
	import: (event) => run(event, false)
};
