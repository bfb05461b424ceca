/** The METRICS_TOKEN every test server gets (startServer sets it unless told otherwise). */
export const TEST_METRICS_TOKEN = 'metrics-token-for-tests';

/** The Prometheus text of a test server. */
export async function scrapeMetrics(baseUrl: string): Promise<string> {
	const res = await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } });
	if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
	return res.text();
}

/** One sample's value; NaN when the series does not exist. `series` is the exact name{labels}. */
export function sample(text: string, series: string): number {
	for (const line of text.split('\n')) {
		if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1));
	}
	return NaN;
}
