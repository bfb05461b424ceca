/**
 * A whole request body must arrive within a deadline. Without one, a client sending a byte
 * every few seconds keeps a connection (and whatever the handler holds) busy for as long as
 * it likes: the server's idle timeout only counts silence.
 */

type Handler = (request: Request, server: Bun.Server<unknown>) => Response | Promise<Response>;

/**
 * Reads `request`'s body into memory within `ms` of now, then hands `handle` an equal request
 * holding it. A body still arriving at the deadline gets 408 and the connection is closed.
 * Bodies here are forms and management JSON (the relay, whose bodies are large and hot, reads
 * its own after checking the API key), so buffering them costs little.
 */
export async function withBodyDeadline(request: Request, server: Bun.Server<unknown>, ms: number, handle: Handler): Promise<Response> {
	if (!request.body) return handle(request, server);
	let timer: ReturnType<typeof setTimeout> | undefined;
	const late = new Promise<'late'>((resolve) => {
		timer = setTimeout(() => resolve('late'), ms);
	});
	let body: ArrayBuffer | 'late';
	try {
		body = await Promise.race([request.arrayBuffer(), late]);
	} catch {
		// The client went away mid-body: nobody is left to read an answer.
		return new Response(null, { status: 400, headers: { connection: 'close' } });
	} finally {
		clearTimeout(timer);
	}
	if (body === 'late') return bodyTooSlow(new URL(request.url).pathname, ms);
	const buffered = new Request(request, { body });
	return handle(buffered, serverSeeing(server, buffered, request));
}

function bodyTooSlow(path: string, ms: number): Response {
	const message = `The request body did not arrive within ${ms / 1000} s.`;
	const headers = { connection: 'close' };
	return path.startsWith('/api/')
		? Response.json({ error: { message, code: 'request_timeout' } }, { status: 408, headers })
		: new Response(message, { status: 408, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' } });
}

/** The server as the handler sees it: the client address and timeouts of the buffered copy are the original's. */
function serverSeeing(server: Bun.Server<unknown>, copy: Request, original: Request): Bun.Server<unknown> {
	const real = (r: Request) => (r === copy ? original : r);
	return new Proxy(server, {
		get(target, prop) {
			if (prop === 'requestIP') return (r: Request) => target.requestIP(real(r));
			if (prop === 'timeout') return (r: Request, seconds: number) => target.timeout(real(r), seconds);
			const value: unknown = Reflect.get(target, prop, target);
			return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
		}
	});
}
