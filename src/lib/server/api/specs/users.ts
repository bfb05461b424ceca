import * as z from 'zod';
import { userCreate, userUpdate } from '../../../schemas/users';
import { createUser, getUser, listUsers, updateUser } from '../../services/users';
import { endpoint } from '../endpoint';
import { pageOf, userView } from '../views';
import { idParams, pageParams } from './common';

const tag = 'Users';

export const listUsersEndpoint = endpoint({
	method: 'GET',
	path: '/api/users',
	summary: 'List or search users (by username or email)',
	tag,
	access: 'reader',
	query: pageParams.extend({ query: z.string().trim().max(100).optional() }),
	response: pageOf(userView, 'UserPage'),
	handle: ({ svc, actor, query }) => listUsers(svc, actor, query)
});

export const createUserEndpoint = endpoint({
	method: 'POST',
	path: '/api/users',
	summary: 'Create a user (only root may create administrators)',
	tag,
	access: 'admin',
	body: userCreate,
	response: userView,
	status: 201,
	idempotent: true,
	handle: ({ svc, actor, body }) => createUser(svc, actor, body)
});

export const getUserEndpoint = endpoint({
	method: 'GET',
	path: '/api/users/{id}',
	summary: 'Get a user',
	tag,
	access: 'reader',
	params: idParams,
	response: userView,
	handle: ({ svc, actor, params }) => getUser(svc, actor, params.id)
});

export const updateUserEndpoint = endpoint({
	method: 'PATCH',
	path: '/api/users/{id}',
	summary: 'Change role, group, email or status; disabling ends sessions and stops keys at once',
	tag,
	access: 'admin',
	params: idParams,
	body: userUpdate,
	response: userView,
	handle: ({ svc, actor, params, body }) => updateUser(svc, actor, params.id, body)
});
