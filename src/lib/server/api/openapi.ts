import * as z from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import { ELYGATE_VERSION } from '../../version';
import { endpointRegistry, type EndpointSpec } from './endpoint';
import './specs';
import { adaptorFor, channelTypes } from '../providers/registry';

const errorBody = z
	.object({ error: z.object({ message: z.string(), code: z.string(), field: z.string().optional() }) })
	.meta({ id: 'Error' });

const STATUS_TEXT: Record<number, string> = {
	400: 'Invalid input; `error.field` names the field at fault',
	401: 'No valid session or management token',
	403: 'Not allowed for this caller',
	404: 'Not found',
	409: 'Conflicts with existing data, or the same Idempotency-Key is still being processed',
	415: 'The body is not JSON',
	422: 'The Idempotency-Key was used with a different body',
	429: 'Too many failed attempts; try again after `retry-after` seconds',
	503: 'Not ready'
};

function errorsFor(spec: EndpointSpec): number[] {
	if (spec.access === 'public') return spec.path === '/api/ready' ? [503] : [];
	const codes = [401, 403];
	if (spec.params) codes.push(404);
	if (spec.body || spec.query) codes.push(400);
	if (spec.body) codes.push(415, 409);
	if (spec.idempotent) codes.push(422);
	codes.push(...(spec.errors ?? []));
	return [...new Set(codes)].sort();
}

function operation(spec: EndpointSpec): ZodOpenApiOperationObject {
	const status = spec.response ? (`${spec.status ?? 200}` as const) : ('204' as const);
	const responses: ZodOpenApiOperationObject['responses'] = {
		[status]: spec.response
			? {
					description: spec.csv ? 'OK (CSV with `?format=csv` or `Accept: text/csv`)' : 'OK',
					content: {
						'application/json': { schema: spec.response },
						...(spec.csv ? { 'text/csv': { schema: z.string() } } : {})
					}
				}
			: { description: 'Done, nothing to return' }
	};
	for (const code of errorsFor(spec)) {
		responses[`${code}` as `${4 | 5}${string}`] = { description: STATUS_TEXT[code] ?? 'Error', content: { 'application/json': { schema: errorBody } } };
	}
	return {
		operationId: operationId(spec),
		summary: spec.summary,
		tags: [spec.tag],
		security: spec.access === 'public' ? [] : [{ managementToken: [] }, { session: [] }],
		requestParams: {
			...(spec.params ? { path: spec.params as z.ZodObject } : {}),
			...(spec.query ? { query: spec.query as z.ZodObject } : {}),
			...(spec.idempotent
				? { header: z.object({ 'Idempotency-Key': z.string().max(255).optional().meta({ description: 'Makes a retried create safe: the first answer is replayed.' }) }) }
				: {})
		},
		...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: spec.body } } } } : {}),
		responses
	};
}

function operationId(spec: EndpointSpec): string {
	const words = spec.path
		.replace(/^\/api\//, '')
		.split('/')
		.map((part) => (part.startsWith('{') ? 'By' + cap(part.slice(1, -1)) : cap(part.replace(/[^a-z0-9]/gi, ''))));
	return spec.method.toLowerCase() + words.join('');
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The OpenAPI 3.1 document, generated from the same zod schemas the endpoints validate with. */
export function openApiDocument() {
	const paths: ZodOpenApiPathsObject = {};
	for (const spec of endpointRegistry) {
		const method = spec.method.toLowerCase() as 'get' | 'post' | 'patch' | 'put' | 'delete';
		paths[spec.path] = { ...paths[spec.path], [method]: operation(spec) };
	}
	paths['/api/openapi.json'] = {
		get: {
			operationId: 'getOpenapiJson',
			summary: 'This document',
			tags: ['System'],
			security: [],
			responses: { '200': { description: 'The OpenAPI 3.1 document' } }
		}
	};
	return createDocument(
		{
			openapi: '3.1.0',
			info: {
				title: 'Elygate management API',
				version: ELYGATE_VERSION,
				description:
					'Provision channels, users, API keys, groups, prices and options. Authenticate with a management token ' +
					'(`Authorization: Bearer emt_...`, or ELYGATE_ADMIN_TOKEN) or a signed-in session. The OpenAI-compatible ' +
					'relay lives under /v1 and takes API keys instead.'
			},
			paths,
			components: {
				// Each channel type's own config fields (a channel's `config` must fit its type's schema).
				schemas: Object.fromEntries(channelTypes().flatMap((type) => {
					const schema = adaptorFor(type)?.configSchema;
					return schema ? [[`ChannelConfig_${type.replace(/[^A-Za-z0-9]/g, '_')}`, schema]] : [];
				})),
				securitySchemes: {
					managementToken: { type: 'http', scheme: 'bearer', description: 'A management token (emt_...) or ELYGATE_ADMIN_TOKEN' },
					session: { type: 'apiKey', in: 'cookie', name: 'elygate_session' }
				}
			}
		},
		{
			// Timestamps are Date objects in the code and ISO 8601 strings on the wire.
			override: ({ jsonSchema, zodSchema }) => {
				if (zodSchema._zod.def.type === 'date') {
					jsonSchema.type = 'string';
					jsonSchema.format = 'date-time';
				}
			}
		}
	);
}
