import type { Door } from '../types';
import { since, type ApiVersion } from './version';

/**
 * Request fields a dated api-version accepts, with the first version that accepted them
 * ('' = every version still in service). Azure answers 400 "Unrecognized request argument
 * supplied" for anything else, so a dated channel forwards only these (docs/providers/azure.md, "Request mapping").
 * `null` marks fields the dated APIs never took (they exist on v1, which forwards everything:
 * it follows OpenAI's surface and gains fields without a new version string).
 */
const CHAT: Record<string, string | null> = {
	messages: '',
	stream: '',
	temperature: '',
	top_p: '',
	n: '',
	stop: '',
	max_tokens: '',
	presence_penalty: '',
	frequency_penalty: '',
	logit_bias: '',
	user: '',
	tools: '',
	tool_choice: '',
	functions: '',
	function_call: '',
	response_format: '',
	seed: '',
	logprobs: '',
	top_logprobs: '',
	data_sources: '', // "On Your Data", Azure only
	parallel_tool_calls: '2024-08-01',
	stream_options: '2024-09-01',
	max_completion_tokens: '2024-09-01',
	store: '2024-12-01',
	metadata: '2024-12-01',
	reasoning_effort: '2024-12-01',
	prediction: '2025-01-01',
	modalities: '2025-01-01',
	audio: '2025-01-01',
	user_security_context: '2025-04-01',
	service_tier: null,
	web_search_options: null,
	prompt_cache_key: null,
	safety_identifier: null,
	verbosity: null
};

const COMPLETIONS: Record<string, string | null> = {
	prompt: '',
	suffix: '',
	max_tokens: '',
	temperature: '',
	top_p: '',
	n: '',
	stream: '',
	logprobs: '',
	echo: '',
	stop: '',
	presence_penalty: '',
	frequency_penalty: '',
	best_of: '',
	logit_bias: '',
	user: '',
	seed: '',
	stream_options: '2024-09-01'
};

const EMBEDDINGS: Record<string, string | null> = {
	input: '',
	user: '',
	input_type: '',
	encoding_format: '',
	dimensions: ''
};

const TABLES: Partial<Record<Door, Record<string, string | null>>> = { chat: CHAT, completions: COMPLETIONS, embeddings: EMBEDDINGS };

/** Whether a dated api-version takes this top-level field on this door (v1 takes everything). */
export function acceptsField(door: Door, version: ApiVersion, field: string): boolean {
	if (version.v1) return true;
	const first = TABLES[door]?.[field];
	if (first === undefined || first === null) return false;
	return first === '' || since(version, first);
}
