import * as z from 'zod';
import { apiKeyCreate, apiKeyUpdate } from '../../../schemas/api-keys';
import { actingUserId } from '../../services/actor';
import { createApiKey, deleteApiKey, getApiKey, listApiKeys, updateApiKey } from '../../services/api-keys';
import { fieldError } from '../../services/errors';
import { endpoint } from '../endpoint';
import { apiKeyView, createdApiKey, pageOf } from '../views';
import { idParams, pageParams } from './common';

const tag = 'API keys';

export const listKeysEndpoint = endpoint({
	method: 'GET',
	path: '/api/keys',
	summary: "List the caller's API keys, or another user's with ?user= (administrators)",
	tag,
	access: 'authenticated',
	query: pageParams.extend({ user: z.coerce.number().int().positive().optional() }),
	response: pageOf(apiKeyView, 'ApiKeyPage'),
	handle: ({ svc, actor, query }) => {
		const userId = query.user ?? actingUserId(actor);
		if (userId === null) throw fieldError('invalid_request', 'user', 'say whose keys to list');
		return listApiKeys(svc, actor, userId, query);
	}
});

export const createKeyEndpoint = endpoint({
	method: 'POST',
	path: '/api/keys',
	summary: 'Create an API key (for yourself, or for userId as an administrator); the full key is returned once',
	tag,
	access: 'authenticated',
	body: apiKeyCreate,
	response: createdApiKey,
	status: 201,
	idempotent: true,
	handle: ({ svc, actor, body }) => createApiKey(svc, actor, body)
});

export const getKeyEndpoint = endpoint({
	method: 'GET',
	path: '/api/keys/{id}',
	summary: 'Get an API key (never its secret)',
	tag,
	access: 'authenticated',
	params: idParams,
	response: apiKeyView,
	handle: ({ svc, actor, params }) => getApiKey(svc, actor, params.id)
});

export const updateKeyEndpoint = endpoint({
	method: 'PATCH',
	path: '/api/keys/{id}',
	summary: 'Update an API key (name, limits, allow-lists, enabled)',
	tag,
	access: 'authenticated',
	params: idParams,
	body: apiKeyUpdate,
	response: apiKeyView,
	handle: ({ svc, actor, params, body }) => updateApiKey(svc, actor, params.id, body)
});

export const deleteKeyEndpoint = endpoint({
	method: 'DELETE',
	path: '/api/keys/{id}',
	summary: 'Delete an API key (it stops working at once)',
	tag,
	access: 'authenticated',
	params: idParams,
	handle: ({ svc, actor, params }) => deleteApiKey(svc, actor, params.id)
});
