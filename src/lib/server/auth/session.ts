import { randomToken } from './token-format';

export const SESSION_COOKIE = 'elygate_session';
const DAY_MS = 24 * 60 * 60 * 1000;
export const SESSION_LIFETIME_MS = 30 * DAY_MS;
/** Sessions used within the last 15 days of their life are pushed out to 30 days again. */
export const RENEW_WHEN_LEFT_MS = 15 * DAY_MS;

export interface SessionUser {
	id: number;
	username: string;
	email: string | null;
	role: 'user' | 'admin' | 'root';
	group: string;
	quota: number;
}

export interface SessionInfo {
	id: string;
	expiresAt: Date;
}

export type SessionValidation = { session: SessionInfo; user: SessionUser } | { session: null; user: null };

export function generateSessionToken(): string {
	return randomToken(20);
}
