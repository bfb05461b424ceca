// Relay metrics updated on every call. prom-client hashes an object of labels on each update;
// these keep a plain Map keyed by the joined label values and render the Prometheus text
// format only when scraped.

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const SEP = '\u0000';

function labelText(names: readonly string[], key: string, extra = ''): string {
	const values = key === '' ? [] : key.split(SEP);
	const parts = names.map((n, i) => `${n}="${escape(values[i] ?? '')}"`);
	if (extra) parts.push(extra);
	return parts.length ? `{${parts.join(',')}}` : '';
}

abstract class FastMetric {
	constructor(
		readonly name: string,
		readonly help: string,
		readonly labelNames: readonly string[]
	) {}
	protected header(type: string): string {
		return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} ${type}\n`;
	}
	abstract render(): string;
}

export class FastCounter extends FastMetric {
	readonly #values = new Map<string, number>();

	inc(labels: readonly string[], by = 1): void {
		const key = labels.join(SEP);
		this.#values.set(key, (this.#values.get(key) ?? 0) + by);
	}

	value(labels: readonly string[]): number {
		return this.#values.get(labels.join(SEP)) ?? 0;
	}

	render(): string {
		let out = this.header('counter');
		for (const [key, v] of this.#values) out += `${this.name}${labelText(this.labelNames, key)} ${v}\n`;
		return out;
	}
}

export class FastHistogram extends FastMetric {
	readonly #series = new Map<string, { counts: number[]; sum: number; count: number }>();

	constructor(
		name: string,
		help: string,
		labelNames: readonly string[],
		readonly buckets: readonly number[]
	) {
		super(name, help, labelNames);
	}

	observe(labels: readonly string[], value: number): void {
		const key = labels.join(SEP);
		let s = this.#series.get(key);
		if (!s) this.#series.set(key, (s = { counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 }));
		for (let i = 0; i < this.buckets.length; i++) {
			if (value <= this.buckets[i]!) {
				s.counts[i]!++;
				break;
			}
		}
		s.sum += value;
		s.count++;
	}

	render(): string {
		let out = this.header('histogram');
		for (const [key, s] of this.#series) {
			let cumulative = 0;
			for (let i = 0; i < this.buckets.length; i++) {
				cumulative += s.counts[i]!;
				out += `${this.name}_bucket${labelText(this.labelNames, key, `le="${this.buckets[i]}"`)} ${cumulative}\n`;
			}
			out += `${this.name}_bucket${labelText(this.labelNames, key, 'le="+Inf"')} ${s.count}\n`;
			out += `${this.name}_sum${labelText(this.labelNames, key)} ${s.sum}\n`;
			out += `${this.name}_count${labelText(this.labelNames, key)} ${s.count}\n`;
		}
		return out;
	}
}

/** A gauge whose values are read when scraped. */
export class FastGauge extends FastMetric {
	constructor(
		name: string,
		help: string,
		labelNames: readonly string[],
		private read: () => Array<[labels: readonly string[], value: number]>
	) {
		super(name, help, labelNames);
	}

	setSource(read: () => Array<[labels: readonly string[], value: number]>): void {
		this.read = read;
	}

	render(): string {
		let out = this.header('gauge');
		for (const [labels, v] of this.read()) out += `${this.name}${labelText(this.labelNames, labels.join(SEP))} ${v}\n`;
		return out;
	}
}
