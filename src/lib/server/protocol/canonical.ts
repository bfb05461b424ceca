/**
 * The canonical format every conversion meets at (docs/protocol.md, "Canonical format"): an OpenAI Chat
 * Completions request, `chat.completion` and `chat.completion.chunk`, plus the documented
 * extensions (docs/protocol.md, "Extensions"). Inbound doors convert to `ChatRequest`; converting upstream adaptors take
 * a `ChatRequest` and answer with OpenAI chat JSON / SSE text; door renderers turn
 * `ChatCompletion` / `ChatChunk` into their own protocol.
 *
 * These types describe what the gateway itself builds. Bodies that come from outside (a
 * client's request, an upstream's answer) are checked field by field where they are read.
 */

export interface CacheControl {
	type: 'ephemeral';
	ttl?: string;
}

export type ContentPart =
	| { type: 'text'; text: string; cache_control?: CacheControl }
	| { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' }; cache_control?: CacheControl }
	| { type: 'input_audio'; input_audio: { data: string; format: string } }
	| { type: 'file'; file: { file_data?: string; filename?: string; file_id?: string }; cache_control?: CacheControl };

/** Anthropic thinking blocks carried through a conversation (docs/protocol.md, "Extensions" `thinking_blocks`). */
export type ThinkingBlock = { type: 'thinking'; thinking: string; signature?: string } | { type: 'redacted_thinking'; data: string };

export interface ToolCall {
	id: string;
	type: 'function';
	function: { name: string; arguments: string };
	/** Gemini's thought signature round trip (docs/protocol.md, "Extensions"). */
	extra_content?: { google?: { thought_signature?: string } };
}

export type ChatRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool' | 'function';

export interface ChatMessage {
	role: ChatRole;
	content: string | ContentPart[] | null;
	name?: string;
	tool_calls?: ToolCall[];
	tool_call_id?: string;
	refusal?: string | null;
	reasoning_content?: string;
	thinking_blocks?: ThinkingBlock[];
}

export interface FunctionTool {
	type: 'function';
	function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
	cache_control?: CacheControl;
}

export type ToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

export type ResponseFormat =
	| { type: 'text' }
	| { type: 'json_object' }
	| { type: 'json_schema'; json_schema: { name: string; schema?: Record<string, unknown>; strict?: boolean; description?: string } };

export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh';

export interface ChatRequest {
	model: string;
	messages: ChatMessage[];
	stream?: boolean;
	stream_options?: { include_usage?: boolean };
	max_tokens?: number;
	max_completion_tokens?: number;
	temperature?: number;
	top_p?: number;
	/** Extension: Anthropic / Gemini top_k. */
	top_k?: number;
	stop?: string | string[];
	seed?: number;
	n?: number;
	presence_penalty?: number;
	frequency_penalty?: number;
	logprobs?: boolean;
	top_logprobs?: number;
	user?: string;
	tools?: FunctionTool[];
	tool_choice?: ToolChoice;
	parallel_tool_calls?: boolean;
	response_format?: ResponseFormat;
	reasoning_effort?: ReasoningEffort;
	/** Extension: an explicit thinking budget in tokens (Anthropic `budget_tokens`, Gemini `thinkingBudget`). */
	thinking_budget?: number;
	metadata?: Record<string, string>;
	/** Anything else the client sent; OpenAI-style upstreams may pass it on, others drop it. */
	[extra: string]: unknown;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

/** OpenAI's usage object (docs/protocol.md, "Usage"), with the optional Anthropic-style cache numbers. */
export interface ChatUsage {
	prompt_tokens: number;
	completion_tokens: number;
	total_tokens: number;
	prompt_tokens_details?: { cached_tokens: number };
	completion_tokens_details?: { reasoning_tokens: number };
	cache_creation_input_tokens?: number;
	cache_read_input_tokens?: number;
}

export interface AssistantMessage {
	role: 'assistant';
	content: string | null;
	refusal?: string | null;
	tool_calls?: ToolCall[];
	reasoning_content?: string;
	thinking_blocks?: ThinkingBlock[];
}

export interface ChatCompletion {
	id: string;
	object: 'chat.completion';
	created: number;
	model: string;
	choices: Array<{ index: number; message: AssistantMessage; finish_reason: FinishReason | null; logprobs?: null }>;
	usage?: ChatUsage;
}

export interface ToolCallDelta {
	index: number;
	id?: string;
	type?: 'function';
	function?: { name?: string; arguments?: string };
	extra_content?: { google?: { thought_signature?: string } };
}

export interface ChunkDelta {
	role?: 'assistant';
	content?: string | null;
	refusal?: string | null;
	tool_calls?: ToolCallDelta[];
	reasoning_content?: string;
	/** Extension: a thinking block's signature (or a redacted block) as it completes. */
	thinking_blocks?: ThinkingBlock[];
}

export interface ChatChunk {
	id: string;
	object: 'chat.completion.chunk';
	created: number;
	model: string;
	choices: Array<{ index: number; delta: ChunkDelta; finish_reason: FinishReason | null; logprobs?: null }>;
	usage?: ChatUsage | null;
}

/** `data: {...}\n\n`: one canonical chunk on the wire. */
export function sseData(value: unknown): string {
	return `data: ${JSON.stringify(value)}\n\n`;
}

export const SSE_DONE = 'data: [DONE]\n\n';
