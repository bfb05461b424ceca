/**
 * Markup inside a translated sentence: the message is called with `slot('name')` for an input,
 * and `parts` splits the result, so a page can wrap that input in an element (a link, a
 * `<span data-testid>`) wherever the language puts it.
 */
const MARK = '\u0000';

export function slot(name: string): string {
	return `${MARK}${name}${MARK}`;
}

export type Part = { text: string; slot?: undefined } | { slot: string; text?: undefined };

export function parts(message: string): Part[] {
	return message
		.split(MARK)
		.map((piece, i): Part => (i % 2 === 1 ? { slot: piece } : { text: piece }))
		.filter((p) => p.slot !== undefined || p.text !== '');
}
