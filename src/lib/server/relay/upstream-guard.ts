import { effectiveAddress } from '../security/ip-address';
import { METADATA_REFUSAL, isMetadataAddress, isMetadataHost, systemResolve, type Resolve } from '../security/outbound';

/**
 * Bun's fetch keeps a resolved name for up to 30 s; a verdict lasts as long, so a name that
 * starts resolving to a metadata address is refused within one cache lifetime, and the hot
 * path looks a name up at most once per 30 s per host.
 */
const VERDICT_MS = 30_000;

interface Verdict {
	until: number;
	refusal: string | undefined;
}

/**
 * The connect-time half of the channel-host rule (the save-time half is `checkChannelHost`):
 * before a call goes to an upstream, its host must not be, or resolve to, a cloud metadata
 * address, whatever the channel's URL said when it was saved. Answers synchronously from the
 * cache; a lookup only when the host's verdict is missing or stale.
 */
export class UpstreamHostGuard {
	readonly #verdicts = new Map<string, Verdict>();
	readonly #pending = new Map<string, Promise<string | undefined>>();
	// Upstream URLs repeat (a channel's base URL and a few paths): parse each once.
	readonly #hosts = new Map<string, string>();

	constructor(
		private readonly resolve: Resolve = systemResolve,
		private readonly now: () => number = Date.now
	) {}

	/** `check` for the host of an upstream URL. */
	checkUrl(url: string): string | undefined | Promise<string | undefined> {
		let host = this.#hosts.get(url);
		if (host === undefined) {
			host = new URL(url).hostname;
			if (this.#hosts.size >= 10_000) this.#hosts.clear();
			this.#hosts.set(url, host);
		}
		return this.check(host);
	}

	/** Why `hostname` may not be called now, or undefined; a promise only when it must be looked up. */
	check(hostname: string): string | undefined | Promise<string | undefined> {
		const verdict = this.#verdicts.get(hostname);
		if (verdict && verdict.until > this.now()) return verdict.refusal;
		const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
		if (isMetadataHost(host)) return this.#remember(hostname, METADATA_REFUSAL);
		if (effectiveAddress(host)) return this.#remember(hostname, undefined);
		let pending = this.#pending.get(hostname);
		if (!pending) {
			pending = this.#lookUp(host).then((refusal) => {
				this.#pending.delete(hostname);
				return this.#remember(hostname, refusal);
			});
			this.#pending.set(hostname, pending);
		}
		return pending;
	}

	async #lookUp(host: string): Promise<string | undefined> {
		try {
			const addresses = await this.resolve(host);
			return addresses.some(isMetadataAddress) ? `${host} resolves to a cloud metadata address, which cannot be used as an upstream.` : undefined;
		} catch {
			// The fetch itself will fail to resolve it and report that.
			return undefined;
		}
	}

	#remember(hostname: string, refusal: string | undefined): string | undefined {
		if (this.#verdicts.size >= 10_000) this.#verdicts.clear();
		this.#verdicts.set(hostname, { until: this.now() + VERDICT_MS, refusal });
		return refusal;
	}
}
