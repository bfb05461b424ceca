import { m } from './paraglide/messages';

/** The console's sections, in menu order. Admin sections are shown to admins and root only. */
export interface NavLink {
	href: string;
	/** A catalogue message: read when the menu renders, so it is in the page's language. */
	label: () => string;
}

export const USER_LINKS: readonly NavLink[] = [
	{ href: '/', label: m.nav_dashboard },
	{ href: '/keys', label: m.nav_keys },
	{ href: '/topup', label: m.nav_topup },
	{ href: '/logs', label: m.nav_logs },
	{ href: '/models', label: m.nav_models },
	{ href: '/playground', label: m.nav_playground },
	{ href: '/account', label: m.nav_account }
];

export const ADMIN_LINKS: readonly NavLink[] = [
	{ href: '/admin', label: m.nav_overview },
	{ href: '/admin/channels', label: m.nav_channels },
	{ href: '/admin/users', label: m.nav_users },
	{ href: '/admin/prices', label: m.nav_prices },
	{ href: '/admin/redemptions', label: m.nav_redemptions },
	{ href: '/admin/payments', label: m.nav_payments },
	{ href: '/admin/logs', label: m.nav_admin_logs },
	{ href: '/admin/settings', label: m.nav_settings },
	{ href: '/admin/tokens', label: m.nav_tokens }
];

/** Whether `href` is the section the path belongs to (the longest matching prefix wins). */
export function isCurrent(href: string, path: string, all: readonly NavLink[]): boolean {
	const matches = all.filter((l) => path === l.href || (l.href !== '/' && path.startsWith(`${l.href}/`)));
	const best = matches.sort((a, b) => b.href.length - a.href.length)[0];
	return best?.href === href;
}
