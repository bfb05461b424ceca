import type { Logger } from '../observability/logger';

/**
 * The production entry (src/server.ts) and the SvelteKit bundle are built separately, so
 * they meet through one object on globalThis: the entry says how it runs before importing
 * the adapter's handler, and the app (hooks.server.ts `init`) registers what the entry calls.
 */
export interface EntryInfo {
	/** Where the built migrations live (next to the entry). */
	migrationsDir: string;
}

export type RelayHandler = (request: Request, server: Bun.Server<unknown>) => Response | Promise<Response>;

export interface AppHandle {
	/** The /v1 pipeline, called by the entry without going through SvelteKit. */
	relay: RelayHandler;
	log: Logger;
	/** Called once the server listens, with the address users reach it at. */
	onListening(baseUrl: string): void;
	/** Stop taking new work: readiness turns 503 so load balancers move away. */
	beginShutdown(): void;
	/** Settle and flush everything, close the pool, stop the embedded database. */
	shutdown(): Promise<void>;
}

interface Bridge {
	entry?: EntryInfo;
	app?: AppHandle;
}

const KEY = Symbol.for('elygate.bridge');
const bridge: Bridge = ((globalThis as { [KEY]?: Bridge })[KEY] ??= {});

export const setEntryInfo = (info: EntryInfo) => void (bridge.entry = info);
export const entryInfo = (): EntryInfo | undefined => bridge.entry;
export const registerApp = (app: AppHandle) => void (bridge.app = app);
export const registeredApp = (): AppHandle | undefined => bridge.app;
