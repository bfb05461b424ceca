import type { LoginLimiter } from '../auth/login-limiter';
import type { Config } from '../config/env';
import type { Database, Db } from '../db';
import type { Logger } from '../observability/logger';
import type { SecretBox } from '../security/crypto';

/** The process-wide singletons, created once by `startApp`. */
export interface Services {
	config: Config;
	log: Logger;
	database: Database;
	db: Db;
	loginLimiter: LoginLimiter;
	/** Failed redemption-code attempts, per user id and per client IP. */
	redeemLimiter: LoginLimiter;
	secrets: SecretBox;
	/** Migrations in the folder, to compare with those applied (readiness). */
	expectedMigrations: number;
}

let current: Services | undefined;

export function setServices(next: Services | undefined): void {
	current = next;
}

export function services(): Services {
	if (!current) throw new Error('Elygate has not started yet');
	return current;
}

export function servicesIfStarted(): Services | undefined {
	return current;
}
