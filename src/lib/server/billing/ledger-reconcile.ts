import { applyBalances } from '../state/balances';
import type { Snapshot } from '../state/snapshot';
import type { FlushOptions } from './ledger-flush';
import type { Wallet } from './wallet';

export type Reconciliation = Required<Pick<FlushOptions, 'onFlushed' | 'onQuarantined'>>;

/**
 * The ledger's side of "available = snapshot balance − held" (billing/wallet.ts): a written
 * batch's balances go into the snapshot and the wallet lets go of the batch's costs in one
 * synchronous step, snapshot first, so no instant sees a cost counted twice or not at all.
 * An entry set aside uncharged is released from the wallet alone: its cost no longer waits to
 * be written, and the database's balances did not move.
 */
export function reconcileWithWallet(wallet: Wallet, snapshot: () => Snapshot): Reconciliation {
	return {
		onFlushed(batch, result) {
			applyBalances(snapshot(), result.users, result.keys);
			wallet.flushed(batch);
		},
		onQuarantined: (entry) => wallet.flushed([entry])
	};
}
