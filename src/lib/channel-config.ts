import { m } from './paraglide/messages';

/** A channel type's config property as the channel form renders it (derived from the type's schema on the server). */
export type ConfigFieldKind = 'text' | 'number' | 'select' | 'checkbox' | 'lines' | 'json';

export interface ConfigField {
	/** The config property. */
	key: string;
	/** The form field: `cfg_<key>`. */
	name: string;
	kind: ConfigFieldKind;
	required: boolean;
	/** The schema's own description (English), for a field the catalogue has no text for. */
	description?: string;
	options?: string[];
	defaultValue?: string | boolean;
	pattern?: string;
}

/** Per-channel relay timeouts (config.timeouts), shown for every type. */
export const TIMEOUT_FIELDS = [
	{ key: 'connectMs', label: () => m.channels_timeout_connect() },
	{ key: 'firstByteMs', label: () => m.channels_timeout_first_byte() },
	{ key: 'streamFirstByteMs', label: () => m.channels_timeout_stream_first_byte() },
	{ key: 'streamIdleMs', label: () => m.channels_timeout_stream_idle() }
] as const;

interface FieldText {
	label: () => string;
	help: () => string;
	/** What is wrong with a value the type's schema refuses (its own message is English). */
	invalid?: () => string;
}

/**
 * Every config field of every channel type, in people's words (`<type>.<key>`). A field of a
 * new provider that is missing here still renders, from its key and its schema's description.
 */
const CONFIG_TEXT: Record<string, FieldText> = {
	'openai.responsesApi': { label: () => m.channels_cfg_openai_responses_label(), help: () => m.channels_cfg_openai_responses_help() },
	'azure.apiVersion': {
		label: () => m.channels_cfg_azure_version_label(),
		help: () => m.channels_cfg_azure_version_help(),
		invalid: () => m.channels_cfg_azure_version_invalid()
	},
	'azure.deployments': { label: () => m.channels_cfg_azure_deployments_label(), help: () => m.channels_cfg_azure_deployments_help() },
	'azure.authMode': { label: () => m.channels_cfg_azure_auth_label(), help: () => m.channels_cfg_azure_auth_help() },
	'azure.reasoningModels': { label: () => m.channels_cfg_azure_reasoning_label(), help: () => m.channels_cfg_azure_reasoning_help() },
	'deepseek.beta': { label: () => m.channels_cfg_deepseek_beta_label(), help: () => m.channels_cfg_deepseek_beta_help() },
	'anthropic.anthropicVersion': { label: () => m.channels_cfg_anthropic_version_label(), help: () => m.channels_cfg_anthropic_version_help() },
	'anthropic.authHeader': { label: () => m.channels_cfg_anthropic_auth_label(), help: () => m.channels_cfg_anthropic_auth_help() },
	'anthropic.betas': { label: () => m.channels_cfg_anthropic_betas_label(), help: () => m.channels_cfg_anthropic_betas_help() },
	'gemini.apiVersion': { label: () => m.channels_cfg_gemini_version_label(), help: () => m.channels_cfg_gemini_version_help() },
	'gemini.vertex': {
		label: () => m.channels_cfg_gemini_vertex_label(),
		help: () => m.channels_cfg_gemini_vertex_help(),
		invalid: () => m.channels_cfg_gemini_vertex_invalid()
	},
	'workers-ai.accountId': {
		label: () => m.channels_cfg_workers_account_label(),
		help: () => m.channels_cfg_workers_account_help(),
		invalid: () => m.channels_cfg_workers_account_invalid()
	},
	'workers-ai.mode': { label: () => m.channels_cfg_workers_mode_label(), help: () => m.channels_cfg_workers_mode_help() }
};

/** "responsesApi" → "Responses api": the last resort for a field the catalogue does not know. */
function fromKey(key: string): string {
	return key
		.replace(/([a-z0-9])([A-Z])/g, '$1 $2')
		.replace(/^./, (c) => c.toUpperCase())
		.replace(/\bapi\b/i, 'API')
		.replace(/\bid\b/i, 'ID');
}

export function configLabel(type: string, field: ConfigField): string {
	return CONFIG_TEXT[`${type}.${field.key}`]?.label() ?? fromKey(field.key);
}

export function configHelp(type: string, field: ConfigField): string | undefined {
	return CONFIG_TEXT[`${type}.${field.key}`]?.help() ?? field.description;
}

/** The catalogue's words for a refused value of this field, if it has any. */
export function configInvalid(type: string, key: string): string | undefined {
	return CONFIG_TEXT[`${type}.${key}`]?.invalid?.();
}

/** Channel types by name: product names, the same in every language, except the generic one. */
const TYPE_NAMES: Record<string, () => string> = {
	openai: () => m.channels_type_openai(),
	deepseek: () => 'DeepSeek',
	azure: () => 'Azure OpenAI',
	anthropic: () => 'Anthropic',
	gemini: () => 'Google Gemini',
	'workers-ai': () => 'Cloudflare Workers AI'
};

export function channelTypeName(type: string): string {
	return TYPE_NAMES[type]?.() ?? type;
}

/** Tags as the form writes them: separated by commas or new lines, trimmed, without repeats. */
export function parseTags(text: string): string[] {
	return [
		...new Set(
			text
				.split(/[,，\n]/)
				.map((t) => t.trim())
				.filter(Boolean)
		)
	];
}

/** Model names as the form's list holds them: one per line (commas also separate). */
export function parseModelLines(text: string): string[] {
	return text
		.split(/[\n,]/)
		.map((l) => l.trim())
		.filter(Boolean);
}
