import type * as z from 'zod';
import { ChatSseTranslator } from '../../protocol/chat-sse';
import type { Door } from '../../protocol/types';
import { classifyOpenAIFailure } from '../openai/errors';
import { finishOpenAIResponse } from '../openai/response';
import { createOpenAIStreamTranslator } from '../openai/stream';
import type { BuildRequestInput, ChannelTarget, ProviderAdaptor } from '../types';
import { buildOpenAIRequest, openAIRequest, openAIUrl } from './openai-request';

/** What a vendor that speaks OpenAI's protocol states; everything it leaves out is OpenAI's own behaviour. */
export interface OpenAICompatibleSpec {
	type: string;
	/** The channel type's own config fields (strict for a new vendor: a typo is refused on save). */
	configSchema: z.ZodType<Record<string, unknown>>;
	/** The vendor's public API root, when it has one: a channel saved without a base URL gets it. */
	defaultBaseUrl?: string;
	/** The OpenAI doors the vendor serves (default: chat, completions and embeddings). */
	doors?: readonly Door[];
	/** Another door a channel serves in its own protocol, beyond `doors` (OpenAI's /responses when configured). */
	alsoNative?(door: Door, channel: ChannelTarget): boolean;
	/** Where a door's calls go (default: OpenAI's paths under the channel's base URL). */
	url?(channel: ChannelTarget, door: Door): string;
	/**
	 * The vendor's changes to the client's body, before the kit sets the model and asks streams
	 * for usage; the same object when it changes nothing, so the raw bytes can be forwarded.
	 */
	rewriteBody?(body: Record<string, unknown>, door: Door): Record<string, unknown>;
	/** The whole request, for a vendor whose request is more than a URL and a body rewrite. */
	buildRequest?: ProviderAdaptor['buildRequest'];
	finishResponse?: ProviderAdaptor['finishResponse'];
	createStreamTranslator?: ProviderAdaptor['createStreamTranslator'];
	/** A stream the vendor's translator rebuilds chunk by chunk (the chat SSE is then written from it). */
	createChunkTranslator?: ProviderAdaptor['createChunkTranslator'];
	classifyFailure?: ProviderAdaptor['classifyFailure'];
}

const OPENAI_DOORS: readonly Door[] = ['chat', 'completions', 'embeddings'];

/** The smallest request each door takes, for a channel test (one token of output). */
export function openAITestBody(door: Door, model: string): Record<string, unknown> {
	if (door === 'embeddings') return { model, input: 'ping' };
	if (door === 'completions') return { model, prompt: 'ping', max_tokens: 1 };
	return { model, messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 };
}

/**
 * An adaptor for an upstream that speaks OpenAI's protocol: the doors it serves pass through
 * natively (the body forwarded, the answer's model name put back, usage read from OpenAI's
 * fields and the compatible variants), with the vendor's own request, answer, stream or error
 * handling where it differs (docs/providers/kit.md).
 */
export function openAICompatible(spec: OpenAICompatibleSpec): ProviderAdaptor {
	const doors = spec.doors ?? OPENAI_DOORS;
	const serves = (door: Door) => doors.includes(door);
	const alsoNative = spec.alsoNative;
	const chunks = spec.createChunkTranslator;
	return {
		type: spec.type,
		configSchema: spec.configSchema,
		...(spec.defaultBaseUrl !== undefined ? { defaultBaseUrl: spec.defaultBaseUrl } : {}),
		supports: serves,
		native: alsoNative ? (door, channel) => serves(door) || alsoNative(door, channel) : serves,
		buildRequest: spec.buildRequest ?? kitRequest(spec),
		finishResponse: spec.finishResponse ?? ((door, text, publicModel) => finishOpenAIResponse(door, text, publicModel)),
		createStreamTranslator: spec.createStreamTranslator ?? (chunks ? (options) => new ChatSseTranslator(chunks(options)) : createOpenAIStreamTranslator),
		...(chunks ? { createChunkTranslator: chunks } : {}),
		classifyFailure: spec.classifyFailure ?? classifyOpenAIFailure,
		testBody: openAITestBody
	};
}

/** OpenAI's request (bearer key, raw bytes when unchanged) to the vendor's URL, with its body rewrite. */
function kitRequest({ url, rewriteBody }: OpenAICompatibleSpec): ProviderAdaptor['buildRequest'] {
	if (!url && !rewriteBody) return buildOpenAIRequest;
	const urlOf = url ?? ((channel: ChannelTarget, door: Door) => openAIUrl(channel.baseUrl, door));
	if (!rewriteBody) return (input: BuildRequestInput) => openAIRequest(urlOf(input.channel, input.door), input);
	return (input: BuildRequestInput) => openAIRequest(urlOf(input.channel, input.door), input, rewriteBody(input.body, input.door));
}
