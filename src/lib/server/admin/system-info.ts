import { count, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db';
import { users } from '../db/schema';

export interface SystemInfo {
	databaseMode: 'embedded' | 'external';
	postgresVersion: string;
	usersByRole: Record<'user' | 'admin' | 'root', number>;
}

export async function systemInfo(database: Database): Promise<SystemInfo> {
	const [versionRows, roleRows] = await Promise.all([
		database.db.execute<{ server_version: string }>(sql`show server_version`),
		database.db.select({ role: users.role, n: count() }).from(users).where(isNull(users.deletedAt)).groupBy(users.role)
	]);
	const usersByRole = { user: 0, admin: 0, root: 0 };
	for (const row of roleRows) usersByRole[row.role] = row.n;
	return {
		databaseMode: database.mode,
		postgresVersion: versionRows[0]?.server_version ?? 'unknown',
		usersByRole
	};
}
