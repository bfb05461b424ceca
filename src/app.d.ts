import type { SessionInfo, SessionUser } from '$lib/server/auth/session';

declare global {
	namespace App {
		interface Locals {
			/** Generated per request; returned as x-request-id. */
			requestId: string;
			clientIp: string;
			user: SessionUser | null;
			session: SessionInfo | null;
		}
		interface Error {
			message: string;
			requestId?: string;
		}
		interface Platform {
			server: Bun.Server<unknown>;
			request: Request;
		}
	}
}

export {};
