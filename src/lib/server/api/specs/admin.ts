import * as z from 'zod';
import { groupUpsert, newApiPriceImport, priceDefaultsApply, priceUpsert } from '../../../schemas/admin';
import { groupName, modelName } from '../../../schemas/common';
import { optionDefinitions, type OptionKey } from '../../options/definitions';
import { listAudit } from '../../services/audit';
import { listDeadLetters } from '../../services/dead-letters';
import { deleteGroup, listGroups, upsertGroup } from '../../services/groups';
import { getOptions, patchOptions } from '../../services/options';
import { applyDefaultPrices } from '../../services/price-defaults';
import { importNewApiPrices } from '../../services/price-import';
import { deletePrice, listPrices, upsertPrice } from '../../services/prices';
import { createManagementToken, listManagementTokens, revokeManagementToken } from '../../services/tokens';
import { managementTokenCreate } from '../../../schemas/tokens';
import { endpoint } from '../endpoint';
import { auditView, createdToken, deadLetterView, groupView, optionsView, pageOf, priceDefaultsResult, priceImportResult, priceView, tokenView } from '../views';
import { idParams, pageParams } from './common';

export const listGroupsEndpoint = endpoint({
	method: 'GET',
	path: '/api/groups',
	summary: 'List groups and their price ratios',
	tag: 'Groups',
	access: 'reader',
	query: pageParams,
	response: pageOf(groupView, 'GroupPage'),
	handle: ({ svc, actor, query }) => listGroups(svc, actor, query)
});

export const upsertGroupEndpoint = endpoint({
	method: 'POST',
	path: '/api/groups',
	summary: 'Create or update a group (by name)',
	tag: 'Groups',
	access: 'admin',
	body: groupUpsert,
	response: groupView,
	idempotent: true,
	handle: ({ svc, actor, body }) => upsertGroup(svc, actor, body)
});

export const deleteGroupEndpoint = endpoint({
	method: 'DELETE',
	path: '/api/groups/{name}',
	summary: 'Delete a group ("default" and groups with users stay)',
	tag: 'Groups',
	access: 'admin',
	params: z.object({ name: groupName }),
	handle: ({ svc, actor, params }) => deleteGroup(svc, actor, params.name)
});

export const listPricesEndpoint = endpoint({
	method: 'GET',
	path: '/api/prices',
	summary: 'List model prices (ratios: 1 = USD 2 per million tokens)',
	tag: 'Prices',
	access: 'reader',
	query: pageParams,
	response: pageOf(priceView, 'ModelPricePage'),
	handle: ({ svc, actor, query }) => listPrices(svc, actor, query)
});

export const upsertPriceEndpoint = endpoint({
	method: 'POST',
	path: '/api/prices',
	summary: 'Create or update the price of a model (by public model name)',
	tag: 'Prices',
	access: 'admin',
	body: priceUpsert,
	response: priceView,
	idempotent: true,
	handle: ({ svc, actor, body }) => upsertPrice(svc, actor, body)
});

export const deletePriceEndpoint = endpoint({
	method: 'DELETE',
	path: '/api/prices/{model}',
	summary: 'Delete the price of a model (model names may contain slashes)',
	tag: 'Prices',
	access: 'admin',
	params: z.object({ model: modelName }),
	handle: ({ svc, actor, params }) => deletePrice(svc, actor, params.model)
});

export const applyDefaultPricesEndpoint = endpoint({
	method: 'POST',
	path: '/api/prices/defaults',
	summary:
		'Apply the built-in default price table: adds models that have no price; with overwrite, also resets the rows of models in the table (other models are left alone)',
	tag: 'Prices',
	access: 'admin',
	body: priceDefaultsApply,
	response: priceDefaultsResult,
	handle: ({ svc, actor, body }) => applyDefaultPrices(svc, actor, body)
});

export const importPricesEndpoint = endpoint({
	method: 'POST',
	path: '/api/prices/import',
	summary:
		"Import New-API's ModelRatio, CompletionRatio, CacheRatio, CreateCacheRatio, ModelPrice and GroupRatio options, all or nothing: imported models and groups are overwritten, others are left alone",
	tag: 'Prices',
	access: 'admin',
	body: newApiPriceImport,
	response: priceImportResult,
	handle: ({ svc, actor, body }) => importNewApiPrices(svc, actor, body)
});

export const getOptionsEndpoint = endpoint({
	method: 'GET',
	path: '/api/options',
	summary: 'Read the global options',
	tag: 'Options',
	access: 'reader',
	response: optionsView,
	handle: ({ svc, actor }) => getOptions(svc, actor)
});

const optionsPatch = z
	.object(
		Object.fromEntries(
			(Object.keys(optionDefinitions) as OptionKey[]).map((key) => [key, optionDefinitions[key].schema.optional()])
		)
	)
	.meta({ id: 'OptionsPatch' });

export const patchOptionsEndpoint = endpoint({
	method: 'PATCH',
	path: '/api/options',
	summary: 'Change global options (root only); every key is validated before any is written',
	tag: 'Options',
	access: 'root',
	body: optionsPatch,
	response: optionsView,
	handle: ({ svc, actor, body }) => patchOptions(svc, actor, body)
});

export const listTokensEndpoint = endpoint({
	method: 'GET',
	path: '/api/tokens',
	summary: 'List management tokens (root only)',
	tag: 'Management tokens',
	access: 'root',
	query: pageParams,
	response: pageOf(tokenView, 'ManagementTokenPage'),
	handle: ({ svc, actor, query }) => listManagementTokens(svc, actor, query)
});

export const createTokenEndpoint = endpoint({
	method: 'POST',
	path: '/api/tokens',
	summary: 'Create a management token (root only); the full token is returned once',
	tag: 'Management tokens',
	access: 'root',
	body: managementTokenCreate,
	response: createdToken,
	status: 201,
	idempotent: true,
	handle: ({ svc, actor, body }) => createManagementToken(svc, actor, body)
});

export const revokeTokenEndpoint = endpoint({
	method: 'DELETE',
	path: '/api/tokens/{id}',
	summary: 'Revoke a management token (root only)',
	tag: 'Management tokens',
	access: 'root',
	params: idParams,
	handle: ({ svc, actor, params }) => revokeManagementToken(svc, actor, params.id)
});

export const listAuditEndpoint = endpoint({
	method: 'GET',
	path: '/api/audit',
	summary: 'Read the audit log, newest first (root only)',
	tag: 'Audit log',
	access: 'root',
	query: pageParams.extend({ targetType: z.string().max(64).optional(), targetId: z.string().max(128).optional() }),
	response: pageOf(auditView, 'AuditPage'),
	handle: ({ svc, actor, query }) => listAudit(svc, actor, query)
});

export const listDeadLettersEndpoint = endpoint({
	method: 'GET',
	path: '/api/ledger/dead-letters',
	summary: 'Settled calls the database refused to record, newest first: kept with the reason, charged nothing (read-only)',
	tag: 'Ledger',
	access: 'reader',
	query: pageParams,
	response: pageOf(deadLetterView, 'LedgerDeadLetterPage'),
	handle: ({ svc, actor, query }) => listDeadLetters(svc, actor, query)
});
