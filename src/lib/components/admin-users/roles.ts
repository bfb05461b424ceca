import { m } from '../../paraglide/messages';

export type Role = 'user' | 'admin' | 'root';

/** A role as the console names it. */
export function roleLabel(role: Role | string): string {
	if (role === 'admin') return m.users_role_admin();
	if (role === 'root') return m.users_role_root();
	if (role === 'user') return m.users_role_user();
	return role;
}

/** The roles a viewer may give a new or changed account: root alone makes administrators and root. */
export function grantableRoles(viewerRole: Role): Role[] {
	return viewerRole === 'root' ? ['user', 'admin', 'root'] : ['user'];
}
