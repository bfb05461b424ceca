import { services } from '$lib/server/app/services';
import { systemInfo } from '$lib/server/admin/system-info';
import { requireAdmin } from '$lib/server/auth/guards';
import { ELYGATE_VERSION } from '$lib/version';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	requireAdmin(event);
	return { info: await systemInfo(services().database), version: ELYGATE_VERSION };
};
