/**
 * `bun run start`: builds (quietly) when build/ is missing or older than the sources, then runs
 * the production entry in this process (so signals reach its shutdown handler directly).
 */
import { join } from 'node:path';
import { ensureBuilt, projectRoot } from './build-state';

await ensureBuilt();
process.chdir(projectRoot);
await import(join(projectRoot, 'build', 'elygate.js'));
