import type { ActionResult } from '@sveltejs/kit';

/**
 * For forms after which the page's language may change (sign-in brings the profile's choice):
 * a redirect becomes a full page load, since a client-side navigation would keep rendering in
 * the language the current document was loaded in (docs/i18n.md).
 */
export function loadFullyOnRedirect({ result, cancel }: { result: ActionResult; cancel: () => void }): void {
	if (result.type !== 'redirect') return;
	cancel();
	window.location.assign(result.location);
}
