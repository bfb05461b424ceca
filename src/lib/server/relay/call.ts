import type { OutputBudget, Quote } from '../billing/pricing';
import type { ChatRequest } from '../protocol/canonical';
import type { DoorCodec, RenderContext } from '../protocol/door';
import type { Door, NormalizedUsage } from '../providers/types';
import type { ChannelState, Snapshot } from '../state/snapshot';
import { admit } from './admit';
import { checkCaller, type Caller } from './auth';
import type { JsonBody } from './body';
import { relayContext } from './context';
import { RelayError } from './errors';
import { failover } from './failover';
import type { Attempted } from './final-error';
import { recordRefusal } from './refusals';
import { reserve } from './reserve';
import { candidatesFor } from './route';
import { settle, type CallOutcome, type CallRecord } from './settle';
import { estimatePromptTokens } from './token-count';

/** What the entry point knows about a /v1 call before the relay reads its body. */
export interface CallInput {
	request: Request;
	door: Door;
	caller: Caller;
	snap: Snapshot;
	requestId: string;
	clientRequestId: string | null;
	clientIp: string;
	startedAt: number;
	/** x-request-id, CORS and rate-limit headers every answer carries. */
	headers: Record<string, string>;
	/** Lets a long call outlive the server's idle timeout (the relay keeps its own timers). */
	disableIdleTimeout?: () => void;
	/** The model the body names, once admission has read it (for the row of a call refused later). */
	model?: string;
}

/** What the client asked for, read once at admission and the same for every attempt. */
export interface CallRequest {
	body: JsonBody;
	model: string;
	stream: boolean;
	clientWantsUsage: boolean;
	/** The door's codec, for doors other than OpenAI's (Anthropic messages, Responses). */
	codec: DoorCodec | undefined;
	/** The request as canonical chat: the client's own body on the OpenAI doors, converted on others. */
	canonical: Record<string, unknown>;
	/** Converted bodies that went through an adaptor's `prepare` (images inlined), by adaptor type. */
	prepared: Map<string, Promise<ChatRequest>>;
	/** The output the reservation covers; imposed upstream when the client set no limit. */
	output: OutputBudget;
}

/** The price a call was admitted at and what the wallet holds for it. */
export interface Hold {
	quote: Quote;
	reserved: number;
}

/**
 * One /v1 call from admission to settlement: what every stage reads (the input, the request,
 * the hold), what the attempts found, and `end`, the one way a call is settled.
 */
export class Call {
	readonly input: CallInput;
	readonly req: CallRequest;
	/** What the ledger entry is made of; the stages fill in the channel tried last. */
	readonly record: CallRecord;
	/** The failed attempts, in order, for the final error and the log row. */
	readonly failures: Attempted[] = [];
	readonly maxTokens: number | undefined;

	constructor(input: CallInput, req: CallRequest, hold: Hold) {
		this.input = input;
		this.req = req;
		this.maxTokens = maxTokensOf(req.canonical);
		const { caller } = input;
		this.record = {
			requestId: input.requestId,
			clientRequestId: input.clientRequestId,
			startedAt: input.startedAt,
			userId: caller.user.id,
			apiKeyId: caller.key.id,
			channelId: null,
			channelType: null,
			model: req.model,
			quote: hold.quote,
			reserved: hold.reserved,
			upstreamModel: null,
			door: input.door,
			stream: req.stream,
			clientIp: input.clientIp,
			attempts: 0,
			onTokens: (tokens) => relayContext().limiter.addTokens(caller.key, tokens, Date.now())
		};
	}

	get ended(): boolean {
		return this.record.settled === true;
	}

	/** Settles the call (once; later calls do nothing): the wallet lets go, the ledger gets its row. */
	end(outcome: CallOutcome): void {
		settle(this.record, outcome);
	}

	/** Usage counted locally, for an upstream that reported none. */
	estimate(outputTokens: number): NormalizedUsage {
		return { inputUncached: estimatePromptTokens(this.req.canonical), cacheRead: 0, cacheWrite: 0, output: outputTokens, reasoning: 0 };
	}

	renderContext(): RenderContext {
		return { publicModel: this.req.model, requestId: this.input.requestId, request: this.req.body.json };
	}
}

/**
 * One proxied call, stage by stage (docs/architecture.md): check the key, admit the call
 * (limits, body, model), find the channels that serve its model, hold its worst-case cost,
 * then try the channels until one answers. Every path out after the hold settles exactly
 * once; a refusal before it is recorded as a cost-0 row (relay/refusals.ts) and rethrown.
 */
export async function proxyCall(input: CallInput): Promise<Response> {
	let req: CallRequest | undefined;
	let candidates: ChannelState[];
	let hold: Hold;
	try {
		checkCaller(input.caller, input.clientIp, input.startedAt);
		req = await admit(input);
		candidates = candidatesFor(input, req);
		hold = reserve(input, req);
	} catch (err) {
		if (err instanceof RelayError) recordRefusal(input, req?.model ?? input.model, req?.stream ?? false, err);
		throw err;
	}
	return failover(new Call(input, req, hold), candidates);
}

function maxTokensOf(body: Record<string, unknown>): number | undefined {
	const limit = body.max_completion_tokens ?? body.max_tokens;
	return typeof limit === 'number' && Number.isSafeInteger(limit) && limit > 0 ? limit : undefined;
}
