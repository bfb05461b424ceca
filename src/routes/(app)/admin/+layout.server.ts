import { requireAdmin } from '$lib/server/auth/guards';
import type { LayoutServerLoad } from './$types';

// Every admin page checks again in its own load and actions; this keeps a forgotten one closed.
export const load: LayoutServerLoad = async (event) => {
	requireAdmin(event);
	return {};
};
