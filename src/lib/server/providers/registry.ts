import { anthropicAdaptor } from './anthropic';
import { azureAdaptor } from './azure';
import { deepseekAdaptor } from './deepseek';
import { workersAiAdaptor } from './workers-ai';
import { geminiAdaptor } from './gemini';
import { openaiAdaptor } from './openai';
import type { ProviderAdaptor } from './types';

/** Channel type -> adaptor. A new provider is one folder and one line here. */
const ADAPTORS: ReadonlyMap<string, ProviderAdaptor> = new Map([openaiAdaptor, azureAdaptor, deepseekAdaptor, anthropicAdaptor, geminiAdaptor, workersAiAdaptor].map((a) => [a.type, a]));

export function adaptorFor(type: string): ProviderAdaptor | undefined {
	return ADAPTORS.get(type);
}

export function hasAdaptor(type: string): boolean {
	return ADAPTORS.has(type);
}

export const channelTypes = (): string[] => [...ADAPTORS.keys()];
