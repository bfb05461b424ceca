/**
 * Retries `check` until it stops throwing or `timeout` passes, then rethrows its last error.
 * Tests wait for conditions this way, never with fixed sleeps.
 */
export async function eventually<T>(
	check: () => T | Promise<T>,
	{ timeout = 15_000, interval = 100 }: { timeout?: number; interval?: number } = {}
): Promise<T> {
	const deadline = Date.now() + timeout;
	for (;;) {
		try {
			return await check();
		} catch (err) {
			if (Date.now() > deadline) throw err;
			await Bun.sleep(interval);
		}
	}
}
