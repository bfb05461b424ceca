/**
 * The thinnest pass-through proxy Bun allows: no auth, no parsing, no logging. It is the
 * floor any Bun gateway is measured against, since a gateway cannot do less work than this
 * and still relay the request.
 *
 *   BARE_PORT     port on 127.0.0.1 (default 19081)
 *   UPSTREAM_URL  origin to forward to (default http://127.0.0.1:19080)
 */

// A module, not a global script: its names stay its own when type-checked with the others.
export {};

const port = Number(process.env.BARE_PORT || 19081);
const upstream = (process.env.UPSTREAM_URL || 'http://127.0.0.1:19080').replace(/\/+$/, '');

/** What an OpenAI client needs the upstream to see; everything else stays behind. */
const FORWARDED = ['content-type', 'authorization', 'accept'] as const;

function forwardedHeaders(req: Request): Headers {
	const headers = new Headers();
	for (const name of FORWARDED) {
		const value = req.headers.get(name);
		if (value !== null) headers.set(name, value);
	}
	return headers;
}

async function forward(req: Request): Promise<Response> {
	// Slicing past "http://host" is cheaper than building a URL object per request.
	const path = req.url.slice(req.url.indexOf('/', 8));
	const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
	// The upstream's Response goes back untouched: a streamed body keeps streaming, and with
	// decompress off the bytes are never inflated and re-encoded on the way through.
	return fetch(upstream + path, {
		method: req.method,
		headers: forwardedHeaders(req),
		body: hasBody ? await req.arrayBuffer() : undefined,
		decompress: false
	});
}

const server = Bun.serve({ hostname: '127.0.0.1', port, idleTimeout: 120, fetch: forward });

console.log(`bare proxy on http://127.0.0.1:${server.port} -> ${upstream}`);
