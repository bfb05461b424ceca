import { callerGroup } from './auth';
import { outputBudgetOf, quoteFor, reservationOf } from '../billing/pricing';
import { promptReserveTokens } from '../billing/prompt-reserve';
import { formatUsd } from '../../money';
import type { CallInput, CallRequest, Hold } from './call';
import { relayContext } from './context';
import { RelayError } from './errors';

/**
 * Prices the call and holds its worst-case cost (prompt bound + the output budget, which is
 * imposed upstream when the client set no limit: docs/billing.md) against the user's balance
 * and the key's limit, or refuses it. Nothing has been sent upstream yet: a refusal costs nothing.
 */
export function reserve(input: CallInput, req: CallRequest): Hold {
	const { caller, snap, door } = input;
	const quote = quoteFor(snap, req.model, callerGroup(caller));
	if (!quote) {
		throw new RelayError(403, `The model ${req.model} has no price set, so calls to it cannot be billed. An administrator must price it first.`, 'model_not_priced', 'model');
	}
	req.output = outputBudgetOf(req.canonical, quote.price, door);
	const amount = reservationOf(quote, promptReserveTokens(req.body.raw, req.canonical), req.output.perChoice * req.output.choices);
	const { wallet } = relayContext();
	if (wallet.reserve(caller.user, caller.key, amount)) return { quote, reserved: amount };
	const keyShort = wallet.availableToKey(caller.key) < amount;
	const available = Math.max(0, keyShort ? wallet.availableToKey(caller.key) : wallet.availableToUser(caller.user));
	const what = keyShort ? "This API key's spending limit" : 'Your balance';
	throw new RelayError(
		429,
		`${what} cannot cover this request: it may cost up to ${formatUsd(amount)} and ${formatUsd(available)} is available. Top up, lower max_tokens, or raise the key's limit.`,
		'insufficient_quota',
		null,
		'insufficient_quota',
		{ 'x-should-retry': 'false' }
	);
}
