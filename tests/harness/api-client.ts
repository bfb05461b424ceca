/** A JSON client for the management API: a bearer token, a session cookie, or nothing. */
export class ApiClient {
	constructor(
		readonly base: string,
		readonly auth: { bearer?: string; cookie?: string; origin?: string } = {}
	) {}

	async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
		const h: Record<string, string> = { ...headers };
		if (this.auth.bearer) h.authorization = `Bearer ${this.auth.bearer}`;
		if (this.auth.cookie) h.cookie = this.auth.cookie;
		if (this.auth.origin) h.origin = this.auth.origin;
		if (body !== undefined) h['content-type'] ??= 'application/json';
		const res = await fetch(new URL(path, this.base), {
			method,
			headers: h,
			body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
		});
		const text = await res.text();
		let json: unknown;
		try {
			json = text ? JSON.parse(text) : undefined;
		} catch {
			json = text;
		}
		// Tests assert on these bodies field by field; nothing here trusts them.
		// eslint-disable-next-line @typescript-eslint/no-explicit-any
		return { status: res.status, body: json as Record<string, any>, headers: res.headers };
	}

	get = (path: string) => this.call('GET', path);
	post = (path: string, body?: unknown, headers?: Record<string, string>) => this.call('POST', path, body ?? {}, headers);
	patch = (path: string, body: unknown) => this.call('PATCH', path, body);
	delete = (path: string) => this.call('DELETE', path);
}
