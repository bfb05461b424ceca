import { m } from './paraglide/messages';

/**
 * Results of channel tests and balance checks are kept in English (the API and the logs read
 * them), written from the catalogue's English. A page shows them in its own language: the
 * English sentence is recognised and the same message rendered again with the same inputs.
 * Anything else (the upstream's own words) is shown as it is.
 */

type Message = (inputs: Record<string, string>, options?: { locale?: 'en' | 'zh-CN' }) => string;

const KNOWN: Array<{ message: Message; inputs: string[] }> = [
	{ message: m.channels_upstream_http as unknown as Message, inputs: ['status', 'message'] },
	{ message: m.channels_upstream_http_bare as unknown as Message, inputs: ['status'] },
	{ message: m.channels_upstream_timeout as unknown as Message, inputs: ['seconds'] },
	{ message: m.channels_upstream_unreachable as unknown as Message, inputs: [] },
	{ message: m.channels_upstream_unreadable as unknown as Message, inputs: [] },
	{ message: m.channels_test_unreachable as unknown as Message, inputs: [] },
	{ message: m.channels_test_no_model as unknown as Message, inputs: [] },
	{ message: m.channels_test_no_adaptor as unknown as Message, inputs: ['type'] },
	{ message: m.channels_test_no_key as unknown as Message, inputs: [] },
	{ message: m.channels_test_no_key_manual as unknown as Message, inputs: [] },
	{ message: m.channels_balance_no_limit as unknown as Message, inputs: [] }
];

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let patterns: Array<{ message: Message; inputs: string[]; pattern: RegExp }> | undefined;

/** Each English sentence as a pattern, its inputs as groups in the order they appear. */
function compiled() {
	patterns ??= KNOWN.map(({ message, inputs }) => {
		const marks = Object.fromEntries(inputs.map((name, i) => [name, `\u0000${i}\u0000`]));
		const english = escape(message(marks, { locale: 'en' }));
		const order: string[] = [];
		const source = english.replace(/\u0000(\d+)\u0000/g, (_, i: string) => {
			order.push(inputs[Number(i)]!);
			return '([\\s\\S]+?)';
		});
		return { message, inputs: order, pattern: new RegExp(`^${source}$`) };
	});
	return patterns;
}

export function localizeChannelError(text: string | null | undefined): string {
	if (!text) return '';
	for (const { message, inputs, pattern } of compiled()) {
		const found = pattern.exec(text);
		if (found) return message(Object.fromEntries(inputs.map((name, i) => [name, found[i + 1] ?? ''])));
	}
	return text;
}
