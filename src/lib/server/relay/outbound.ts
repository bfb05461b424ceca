import type { ChatRequest } from '../protocol/canonical';
import type { OutboundRequest } from '../providers/types';
import type { Call } from './call';
import type { Target } from './attempt-outcome';
import { relayContext } from './context';
import { withOutputLimit } from './output-limit';

/**
 * The upstream request for one attempt: the client's own body when the channel speaks the
 * door's protocol, else the canonical body (images inlined once per adaptor type, when the
 * adaptor needs that), put in the upstream's terms by the adaptor. Synchronous unless images
 * must be inlined first, so the common call adds no promise hop.
 */
export function outboundRequest(call: Call, target: Target): OutboundRequest | Promise<OutboundRequest> {
	const { req } = call;
	const { adaptor, route } = target;
	if (route.native || !adaptor.prepare) {
		return build(call, target, route.native ? req.body.json : req.canonical, route.native || !req.codec ? req.body.raw : undefined);
	}
	let prepared = req.prepared.get(adaptor.type);
	if (!prepared) {
		prepared = adaptor.prepare(req.canonical as ChatRequest, relayContext().fetchImage);
		req.prepared.set(adaptor.type, prepared);
	}
	return prepared.then((body) => build(call, target, body, undefined));
}

function build(call: Call, target: Target, given: Record<string, unknown>, givenRaw: string | undefined): OutboundRequest {
	const { req, input } = call;
	const upstreamModel = call.record.upstreamModel ?? req.model;
	const { body, raw } = req.output.impose ? withOutputLimit({ body: given, raw: givenRaw }, target.route.door, upstreamModel, req.output.perChoice) : { body: given, raw: givenRaw };
	return target.adaptor.buildRequest({
		channel: target.channel,
		secret: target.key.secret,
		door: target.route.door,
		body,
		rawBody: raw ?? JSON.stringify(body),
		upstreamModel,
		stream: req.stream,
		clientHeaders: input.request.headers
	});
}
