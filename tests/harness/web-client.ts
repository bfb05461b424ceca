/**
 * A minimal browser without JavaScript: keeps cookies, sends our Origin on posts, never
 * follows redirects (tests assert them). Forms post as urlencoded, like a plain <form>.
 */
export class WebClient {
	readonly cookies = new Map<string, string>();

	constructor(readonly base: string) {}

	get(path: string, headers: Record<string, string> = {}): Promise<Response> {
		return this.#send(path, { method: 'GET', headers });
	}

	postForm(path: string, fields: Record<string, string>, { origin = this.base }: { origin?: string | null } = {}) {
		const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
		if (origin !== null) headers.origin = origin;
		return this.#send(path, { method: 'POST', headers, body: new URLSearchParams(fields).toString() });
	}

	/** GET that must succeed; returns the page's text. */
	async page(path: string): Promise<string> {
		const res = await this.get(path);
		if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.headers.get('location') ?? ''}`);
		return res.text();
	}

	async #send(path: string, init: RequestInit & { headers: Record<string, string> }): Promise<Response> {
		// What a browser sends for navigations and form posts; SvelteKit answers form actions
		// with JSON instead of a page when the request prefers JSON.
		init.headers.accept ??= 'text/html,application/xhtml+xml';
		const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
		if (cookie) init.headers.cookie = cookie;
		const res = await fetch(new URL(path, this.base), { ...init, redirect: 'manual' });
		for (const line of res.headers.getSetCookie()) {
			const [pair, ...attrs] = line.split(';');
			const eq = pair!.indexOf('=');
			const name = pair!.slice(0, eq).trim();
			const value = pair!.slice(eq + 1).trim();
			const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=thu, 01 jan 1970/i.test(a));
			if (expired || value === '') this.cookies.delete(name);
			else this.cookies.set(name, value);
		}
		return res;
	}
}
