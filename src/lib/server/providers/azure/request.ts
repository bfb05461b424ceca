import type { BuildRequestInput, Door, OutboundRequest } from '../types';
import { azureConfigOf, type AzureConfig } from './config';
import { acceptsField } from './fields';
import { isReasoningModelName } from '../reasoning-models';
import { apiVersionOf, DEVELOPER_ROLE, since, USAGE_IN_STREAM, type ApiVersion } from './version';
import { isRecord } from '../../protocol/json';

const PATHS: Partial<Record<Door, string>> = { chat: '/chat/completions', completions: '/completions', embeddings: '/embeddings' };


/** Sampling knobs reasoning models refuse with 400 "Unsupported parameter". */
const REASONING_REFUSES = ['temperature', 'top_p', 'presence_penalty', 'frequency_penalty', 'logprobs', 'top_logprobs'];

/**
 * The resource endpoint from the channel's base URL. The gateway stores a bare host as
 * "<host>/v1", and admins paste either the resource endpoint (https://r.openai.azure.com), the
 * v1 base URL from Azure's docs (…/openai/v1) or …/openai; all of them mean the same resource.
 * So a trailing "/v1" and then a trailing "/openai" are cut, and whatever path is left (a
 * reverse proxy's prefix) is kept: https://proxy.example/azure/v1 → https://proxy.example/azure.
 */
export function azureEndpoint(baseUrl: string): string {
	const url = new URL(baseUrl);
	const path = url.pathname
		.replace(/\/+$/, '')
		.replace(/\/v1$/, '')
		.replace(/\/openai$/, '');
	return url.origin + path;
}

/** The deployment for a call: the config's map (upstream name first, then the public one), else the upstream name. */
export function deploymentFor(config: AzureConfig, upstreamModel: string, publicModel: string | undefined): string {
	const map = config.deployments;
	return map?.[upstreamModel] ?? (publicModel !== undefined ? map?.[publicModel] : undefined) ?? upstreamModel;
}

export function isReasoning(config: AzureConfig, names: Array<string | undefined>): boolean {
	const listed = config.reasoningModels;
	return names.some((name) => name !== undefined && (listed ? listed.includes(name) : isReasoningModelName(name)));
}

export function azureUrl(endpoint: string, door: Door, version: ApiVersion, deployment: string): string {
	const path = PATHS[door];
	if (!path) throw new Error(`Azure OpenAI channels do not serve ${door}`);
	if (version.v1) return `${endpoint}/openai/v1${path}`;
	return `${endpoint}/openai/deployments/${encodeURIComponent(deployment)}${path}?api-version=${encodeURIComponent(version.raw)}`;
}

/**
 * Azure speaks OpenAI's wire format, so the client's body goes through with hygiene only
 * (docs/providers/azure.md, "Request mapping"): the deployment instead of the model, usage asked for in streams, the
 * reasoning models' parameter rules, and the fields the api-version does not know dropped.
 */
export function buildAzureRequest({ channel, secret, door, body, upstreamModel, stream }: BuildRequestInput): OutboundRequest {
	const config = azureConfigOf(channel.config);
	const version = apiVersionOf(config.apiVersion);
	const publicModel = typeof body.model === 'string' ? body.model : undefined;
	const deployment = deploymentFor(config, upstreamModel, publicModel);
	const reasoning = door === 'chat' && isReasoning(config, [deployment, upstreamModel, publicModel]);
	const out = azureBody(body, { door, version, deployment, reasoning, stream });
	const headers: Record<string, string> = {
		'content-type': 'application/json',
		accept: stream ? 'text/event-stream' : 'application/json'
	};
	if (config.authMode === 'bearer') headers.authorization = `Bearer ${secret}`;
	else headers['api-key'] = secret;
	return { url: azureUrl(azureEndpoint(channel.baseUrl), door, version, deployment), headers, body: JSON.stringify(out) };
}

interface BodyOptions {
	door: Door;
	version: ApiVersion;
	deployment: string;
	reasoning: boolean;
	stream: boolean;
}

/** A new body object (the client's is never mutated). */
export function azureBody(body: Record<string, unknown>, { door, version, deployment, reasoning, stream }: BodyOptions): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	// The deployment URL names the model; on v1 the body does.
	if (version.v1) out.model = deployment;
	for (const [key, value] of Object.entries(body)) {
		if (key !== 'model' && acceptsField(door, version, key)) out[key] = value;
	}
	if (door === 'chat' && reasoning) reasoningHygiene(out);
	else if (door === 'chat' && body.max_completion_tokens !== undefined && !since(version, USAGE_IN_STREAM)) {
		// Older versions only know max_tokens (the allow-list dropped the other, which wins when both are set).
		out.max_tokens = body.max_completion_tokens;
	}
	if (door === 'chat' && Array.isArray(out.messages)) out.messages = withRoles(out.messages, version, reasoning);
	if (stream && door !== 'embeddings') {
		if (since(version, USAGE_IN_STREAM)) {
			const existing = isRecord(body.stream_options) ? body.stream_options : {};
			out.stream_options = { ...existing, include_usage: true };
		} else delete out.stream_options;
	}
	return out;
}

/** o-series / gpt-5: max_completion_tokens only, and no sampling parameters. */
function reasoningHygiene(out: Record<string, unknown>): void {
	if (out.max_tokens !== undefined) {
		out.max_completion_tokens ??= out.max_tokens;
		delete out.max_tokens;
	}
	for (const key of REASONING_REFUSES) delete out[key];
}

/**
 * Roles the api-version understands: `developer` needs 2024-12-01-preview, so older versions
 * get `system` instead; reasoning models on newer versions take system text as `developer`
 * (docs/providers/azure.md, "Request mapping"). Everything else — order, mid-conversation system messages, consecutive
 * user turns — goes through as sent. Messages are copied only when their role changes.
 */
function withRoles(messages: unknown[], version: ApiVersion, reasoning: boolean): unknown[] {
	const developer = since(version, DEVELOPER_ROLE);
	const rename = (role: unknown) => {
		if (role === 'developer' && !developer) return 'system';
		if (role === 'system' && developer && reasoning) return 'developer';
		return role;
	};
	return messages.map((message) => {
		if (!isRecord(message)) return message;
		const role = rename(message.role);
		return role === message.role ? message : { ...message, role };
	});
}
