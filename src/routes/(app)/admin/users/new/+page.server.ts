import { fail, redirect } from '@sveltejs/kit';
import { setError, superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { grantableRoles } from '$lib/components/admin-users/roles';
import { QUOTA_PER_USD } from '$lib/money';
import { m } from '$lib/paraglide/messages';
import { userCreateForm } from '$lib/schemas/user-admin-forms';
import { groupNames } from '$lib/server/admin/channel-actions';
import { createUser } from '$lib/server/services/users';
import { refusal } from '$lib/server/ui/admin-forms';
import { pageContext } from '$lib/server/ui/page-context';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { actor, svc, user } = pageContext(event, 'admin');
	const viewerRole = user.role === 'root' ? 'root' : 'admin';
	return {
		form: await superValidate(zod4(userCreateForm), { id: 'create-user' }),
		groups: await groupNames(svc, actor),
		roles: grantableRoles(viewerRole)
	};
};

export const actions: Actions = {
	default: async (event) => {
		const { actor, svc, user } = pageContext(event, 'admin');
		const form = await superValidate(event.request, zod4(userCreateForm), { id: 'create-user' });
		// A password typed in is never sent back to the browser.
		const { password } = form.data;
		form.data.password = '';
		if (!form.valid) return fail(400, { form });
		// The service's own rule, said beside the field before anything is written.
		if (!grantableRoles(user.role === 'root' ? 'root' : 'admin').includes(form.data.role)) {
			return setError(form, 'role', m.users_role_root_only(), { status: 403 });
		}
		let id: number;
		try {
			const created = await createUser(svc, actor, {
				username: form.data.username,
				displayName: form.data.displayName,
				email: form.data.email,
				password,
				role: form.data.role,
				group: form.data.group,
				quota: Math.round(form.data.initialUsd * QUOTA_PER_USD)
			});
			id = created.id;
		} catch (err) {
			return refusal(form, err, { quota: 'initialUsd' });
		}
		redirect(303, `/admin/users/${id}?created=1`);
	}
};
