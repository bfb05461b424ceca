import { expect } from 'vitest';
import type { WebClient } from './web-client';

/** Registers through the public form and expects to land signed in on the home page. */
export async function register(client: WebClient, username: string, password = 'correct horse 1'): Promise<void> {
	const res = await client.postForm('/register', { username, password, confirm: password, email: '' });
	expect(res.status, await res.clone().text()).toBe(303);
	expect(res.headers.get('location')).toBe('/');
}

export async function signIn(client: WebClient, username: string, password: string): Promise<Response> {
	return client.postForm('/login', { username, password });
}
