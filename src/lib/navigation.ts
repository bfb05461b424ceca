/** The console's sections, in menu order. Admin sections are shown to admins and root only. */
export interface NavLink {
	href: string;
	label: string;
}

export const USER_LINKS: readonly NavLink[] = [
	{ href: '/', label: 'Dashboard' },
	{ href: '/keys', label: 'API keys' },
	{ href: '/topup', label: 'Top up' },
	{ href: '/logs', label: 'Usage logs' },
	{ href: '/models', label: 'Models & prices' },
	{ href: '/playground', label: 'Playground' },
	{ href: '/account', label: 'Account' }
];

export const ADMIN_LINKS: readonly NavLink[] = [
	{ href: '/admin', label: 'Overview' },
	{ href: '/admin/channels', label: 'Channels' },
	{ href: '/admin/users', label: 'Users' },
	{ href: '/admin/prices', label: 'Groups & prices' },
	{ href: '/admin/redemptions', label: 'Redemption codes' },
	{ href: '/admin/payments', label: 'Payments' },
	{ href: '/admin/logs', label: 'Logs' },
	{ href: '/admin/settings', label: 'Settings' },
	{ href: '/admin/tokens', label: 'Tokens & audit' }
];

/** Whether `href` is the section the path belongs to (the longest matching prefix wins). */
export function isCurrent(href: string, path: string, all: readonly NavLink[]): boolean {
	const matches = all.filter((l) => path === l.href || (l.href !== '/' && path.startsWith(`${l.href}/`)));
	const best = matches.sort((a, b) => b.href.length - a.href.length)[0];
	return best?.href === href;
}
