import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { validate, compileErrors } from '@readme/openapi-parser';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { projectRoot } from '../../scripts/build-state';
import { channelTypes } from '../../src/lib/server/providers/registry';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { startServer, type TestServer } from '../harness/server';

let db: TestDatabase;
let server: TestServer;
let document: { openapi: string; paths: Record<string, Record<string, unknown>>; components: { schemas?: Record<string, unknown> } };

beforeAll(async () => {
	db = await freshDatabase();
	server = await startServer({ env: { DATABASE_URL: db.url } });
	const res = await fetch(`${server.url}/api/openapi.json`);
	expect(res.status).toBe(200);
	document = (await res.json()) as typeof document;
});

afterAll(async () => {
	await server?.stop();
	await db?.drop();
});

test('the OpenAPI document is valid OpenAPI 3.1', async () => {
	expect(document.openapi).toBe('3.1.0');
	const result = await validate(structuredClone(document) as never);
	expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
});

/** Every +server.ts under src/routes/api, as [OpenAPI path, method] pairs. */
function apiRoutes(): Array<[string, string]> {
	const root = join(projectRoot, 'src/routes/api');
	const found: Array<[string, string]> = [];
	const walk = (dir: string) => {
		for (const entry of readdirSync(dir)) {
			const full = join(dir, entry);
			if (statSync(full).isDirectory()) walk(full);
			else if (entry === '+server.ts') {
				const route = relative(root, dir);
				if (route === '[...rest]') continue; // the JSON 404 for unknown paths, not an endpoint
				const path = '/api/' + route.split('/').map(toOpenApiSegment).join('/');
				const source = readFileSync(full, 'utf8');
				for (const m of source.matchAll(/export const (GET|POST|PUT|PATCH|DELETE)\b/g)) found.push([path.replace(/\/$/, ''), m[1]!]);
			}
		}
	};
	walk(root);
	return found;
}

/** "[id=id]" -> "{id}", "[...model]" -> "{model}". */
function toOpenApiSegment(segment: string): string {
	const m = /^\[(?:\.\.\.)?([A-Za-z_]\w*)(?:=\w+)?\]$/.exec(segment);
	return m ? `{${m[1]}}` : segment;
}

test('every /api route in the route tree is documented, and nothing undocumented is served', () => {
	const routes = apiRoutes();
	expect(routes.length).toBeGreaterThan(25);
	const missing = routes.filter(([path, method]) => !document.paths[path]?.[method.toLowerCase()]);
	expect(missing).toEqual([]);
	const documented = Object.entries(document.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
	const served = new Set(routes.map(([path, method]) => `${method} ${path}`));
	expect(documented.filter((op) => !served.has(op))).toEqual([]);
});

test('creates document Idempotency-Key; errors share one documented shape', () => {
	const create = document.paths['/api/channels']?.post as { parameters?: Array<{ name: string; in: string }>; responses: Record<string, unknown> };
	expect(create.parameters?.some((p) => p.in === 'header' && p.name === 'Idempotency-Key')).toBe(true);
	expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403']));
	expect(JSON.stringify(create.responses['400'])).toContain('#/components/schemas/Error');
});

test("each channel type's own config fields are documented", () => {
	const schemas = Object.keys(document.components.schemas ?? {}).filter((name) => name.startsWith('ChannelConfig_'));
	expect(schemas.sort()).toEqual(channelTypes().map((t) => `ChannelConfig_${t.replace(/[^A-Za-z0-9]/g, '_')}`).sort());
});
