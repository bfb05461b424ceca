/**
 * Rows cut into batches of `size`, so one INSERT stays well under PostgreSQL's 65,535 bound
 * parameters (size × columns per row).
 */
export function inChunks<T>(items: readonly T[], size: number): T[][] {
	const out: T[][] = [];
	for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
	return out;
}
