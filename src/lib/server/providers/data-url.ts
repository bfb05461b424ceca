/**
 * `data:<mediatype>[;param=value]*[;base64],<payload>` (RFC 2397), as clients put images and
 * files in OpenAI content parts. Split at the first comma; the media type is what stands before
 * the first `;` (parameters such as `;name=x.png` are fine), lower-cased, with `image/jpg`
 * read as `image/jpeg`. A percent-encoded payload is re-encoded as base64.
 */
export interface DataUrl {
	/** Empty when the URL names none (`data:,hello`); each caller picks its default. */
	mediaType: string;
	/** The payload as base64. */
	data: string;
}

export function parseDataUrl(url: string): DataUrl | undefined {
	if (!/^data:/i.test(url)) return undefined;
	const comma = url.indexOf(',');
	if (comma < 0) return undefined;
	const params = url.slice(5, comma).split(';');
	let mediaType = (params[0] ?? '').trim().toLowerCase();
	if (mediaType === 'image/jpg') mediaType = 'image/jpeg';
	const isBase64 = params.slice(1).some((p) => p.trim().toLowerCase() === 'base64');
	const payload = url.slice(comma + 1);
	if (isBase64) return { mediaType, data: payload.trim() };
	try {
		return { mediaType, data: Buffer.from(decodeURIComponent(payload), 'utf8').toString('base64') };
	} catch {
		return undefined;
	}
}
