/**
 * `--from <url>`: which driver opens a New-API database, by the URL's scheme.
 *
 * - `mysql://user:password@host:3306/database` (or `mariadb://`): MySQL or MariaDB.
 * - `postgres://user:password@host:5432/database` (or `postgresql://`, with the client's usual
 *   parameters such as `?sslmode=require`): PostgreSQL.
 * - `sqlite:///absolute/path/one-api.db`: a SQLite file; `sqlite://data/one-api.db` (no third
 *   slash) is relative to the working directory. A query string is dropped, since New-API's own
 *   SQLITE_PATH often carries driver options (`?_busy_timeout=30000`).
 */
import { resolve } from 'node:path';
import { SourceError, type NewApiSource } from './source';
import { openMysqlSource } from './source-mysql';
import { openPostgresSource } from './source-postgres';
import { openSqliteSource } from './source-sqlite';

export const ACCEPTED_SOURCE_URLS = 'mysql://user:password@host:3306/database, mariadb://…, postgres://user:password@host:5432/database, postgresql://…, sqlite:///absolute/path.db or sqlite://relative/path.db';

export async function openNewApiSource(url: string): Promise<NewApiSource> {
	const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
	switch (scheme) {
		case 'mysql':
		case 'mariadb':
			return openMysqlSource(parsedUrl(url));
		case 'postgres':
		case 'postgresql':
			return openPostgresSource(parsedUrl(url));
		case 'sqlite':
			return openSqliteSource(sqlitePath(url));
		default:
			throw new SourceError(`not a New-API database URL: ${scheme ? `"${scheme}:" is not a scheme the import reads` : 'no scheme'}; use ${ACCEPTED_SOURCE_URLS}`);
	}
}

function parsedUrl(url: string): URL {
	try {
		const parsed = new URL(url);
		if (!parsed.hostname) throw new Error('no host');
		return parsed;
	} catch {
		// The URL may hold a password: the message names only its scheme.
		throw new SourceError(`not a valid ${url.split(':')[0]} URL (expected ${url.split(':')[0]}://user:password@host:port/database)`);
	}
}

/** The file a `sqlite://` URL names, absolute. */
export function sqlitePath(url: string): string {
	const rest = url.replace(/^sqlite:\/\//i, '');
	if (rest === url) throw new SourceError(`a SQLite source is sqlite:///absolute/path.db or sqlite://relative/path.db (got ${url})`);
	let path: string;
	try {
		path = decodeURIComponent(rest.replace(/\?.*$/, ''));
	} catch {
		throw new SourceError(`the sqlite:// URL is not valid percent-encoding (got ${url})`);
	}
	if (!path) throw new SourceError('the sqlite:// URL names no file');
	return resolve(path);
}
