import { appliedMigrationCount } from '../db/migrate';
import { currentPhase } from './phase';
import { servicesIfStarted } from './services';

export type Readiness = { ready: true } | { ready: false; reason: string };

const CHECK_TIMEOUT_MS = 2_000;

/** Ready = started, not shutting down, database answering, every migration applied. */
export async function checkReadiness(): Promise<Readiness> {
	const phase = currentPhase();
	if (phase === 'stopping' || phase === 'stopped') return { ready: false, reason: 'shutting down' };
	const svc = servicesIfStarted();
	if (phase !== 'ready' || !svc) return { ready: false, reason: 'starting' };
	let timer: ReturnType<typeof setTimeout> | undefined;
	try {
		const applied = await Promise.race([
			appliedMigrationCount(svc.database.sql),
			new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS)))
		]);
		if (applied < svc.expectedMigrations) return { ready: false, reason: 'database migrations are not applied' };
		return { ready: true };
	} catch {
		return { ready: false, reason: 'database unreachable' };
	} finally {
		clearTimeout(timer);
	}
}
