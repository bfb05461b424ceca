/**
 * New-API's channel types (its constant/channel.go) and what each becomes in Elygate. The facts
 * carried over are the type numbers, each type's default base URL, and where New-API puts the
 * API path after the base URL; docs/newapi-import.md lists them with the types we skip and why.
 */

export interface ChannelTypeMapping {
	/** New-API's name of the type, for reports. */
	name: string;
	/** Our channel type. */
	type: 'openai' | 'azure' | 'anthropic' | 'gemini' | 'deepseek' | 'workers-ai';
	/** New-API's base URL when the channel leaves it empty. */
	defaultBaseUrl?: string;
	/**
	 * The path New-API puts between the base URL and "/chat/completions" (OpenAI-compatible and
	 * Anthropic types). Our base URLs include it, so it is appended on the way in.
	 */
	apiPath?: string;
}

const openai = (name: string, defaultBaseUrl?: string, apiPath = '/v1'): ChannelTypeMapping => ({ name, type: 'openai', defaultBaseUrl, apiPath });

/** Every New-API type Elygate serves. */
export const SERVED_TYPES: ReadonlyMap<number, ChannelTypeMapping> = new Map([
	[1, openai('OpenAI', 'https://api.openai.com')],
	[3, { name: 'Azure', type: 'azure' }],
	[4, openai('Ollama', 'http://localhost:11434')],
	[6, openai('OpenAIMax', 'https://api.openaimax.com')],
	[7, openai('OhMyGPT', 'https://api.ohmygpt.com')],
	[8, openai('Custom')],
	[9, openai('AILS', 'https://api.caipacity.com')],
	[10, openai('AIProxy', 'https://api.aiproxy.io')],
	[12, openai('API2GPT', 'https://api.api2gpt.com')],
	[13, openai('AIGC2D', 'https://api.aigc2d.com')],
	[14, { name: 'Anthropic', type: 'anthropic', defaultBaseUrl: 'https://api.anthropic.com', apiPath: '/v1' }],
	[20, openai('OpenRouter', 'https://openrouter.ai/api')],
	[24, { name: 'Gemini', type: 'gemini', defaultBaseUrl: 'https://generativelanguage.googleapis.com' }],
	[25, openai('Moonshot', 'https://api.moonshot.cn')],
	[26, openai('ZhipuV4', 'https://open.bigmodel.cn', '/api/paas/v4')],
	[31, openai('LingYiWanWu', 'https://api.lingyiwanwu.com')],
	[39, { name: 'Cloudflare', type: 'workers-ai', defaultBaseUrl: 'https://api.cloudflare.com' }],
	[40, openai('SiliconFlow', 'https://api.siliconflow.cn')],
	[42, openai('Mistral', 'https://api.mistral.ai')],
	[43, { name: 'DeepSeek', type: 'deepseek', defaultBaseUrl: 'https://api.deepseek.com' }],
	[45, openai('VolcEngine', 'https://ark.cn-beijing.volces.com', '/api/v3')],
	[46, openai('BaiduV2', 'https://qianfan.baidubce.com', '/v2')],
	[47, openai('Xinference')],
	[48, openai('xAI', 'https://api.x.ai')]
]);

/** Names of the types we do not serve, so a skipped channel's reason names its type. */
const OTHER_NAMES: Record<number, string> = {
	0: 'Unknown', 2: 'Midjourney', 5: 'MidjourneyPlus', 11: 'PaLM', 15: 'Baidu', 16: 'Zhipu', 17: 'Ali', 18: 'Xunfei',
	19: '360', 21: 'AIProxyLibrary', 22: 'FastGPT', 23: 'Tencent', 27: 'Perplexity', 33: 'AWS', 34: 'Cohere', 35: 'MiniMax',
	36: 'SunoAPI', 37: 'Dify', 38: 'Jina', 41: 'VertexAI', 44: 'MokaAI', 49: 'Coze', 50: 'Kling', 51: 'Jimeng', 52: 'Vidu',
	53: 'Submodel', 54: 'DoubaoVideo', 55: 'Sora', 56: 'Replicate', 57: 'Codex', 58: 'KuaiziLizhen'
};

export function newApiTypeName(type: number): string {
	return SERVED_TYPES.get(type)?.name ?? OTHER_NAMES[type] ?? `type ${type}`;
}

/**
 * Our base URL for a New-API channel: its own or its type's default, with the API path New-API
 * would have added. Undefined when there is none (a Custom or Azure channel without a URL).
 */
export function elygateBaseUrl(mapping: ChannelTypeMapping, stored: string | null): string | undefined {
	const raw = (stored?.trim() || mapping.defaultBaseUrl || '').replace(/\/+$/, '');
	if (!raw) return undefined;
	if (!mapping.apiPath || raw.endsWith(mapping.apiPath)) return raw;
	return `${raw}${mapping.apiPath}`;
}
