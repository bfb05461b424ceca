/**
 * `n` lowercase letters from a fixed-seed generator: text the tokenizer's vocabulary has no
 * shortcut for (its worst case per character), the same on every run.
 */
export function randomLetters(n: number): string {
	let seed = 12345;
	const codes = new Array<number>(n);
	for (let i = 0; i < n; i++) {
		seed = (seed * 1103515245 + 12345) % 2 ** 31;
		codes[i] = 97 + (seed % 26);
	}
	let text = '';
	for (let i = 0; i < n; i += 8192) text += String.fromCharCode(...codes.slice(i, i + 8192));
	return text;
}
