import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP forwarder we can cut and restore, to make a database unreachable for the server
 * under test without touching the database itself. It can also lose one PostgreSQL answer on
 * purpose: `loseReplyTo` lets a query reach the server and commit, then drops the connection
 * before the client hears back (an ambiguous commit).
 */
export class TcpProxy {
	#server: Server | undefined;
	readonly #sockets = new Set<Socket>();
	#armed: { pattern: Buffer; done: () => void } | undefined;
	/** While set, nothing the server sends reaches any client: connections look alive but silent. */
	stalled = false;
	port = 0;

	constructor(
		readonly targetHost: string,
		readonly targetPort: number
	) {}

	/** Listens (again, on the same port after a cut). */
	async open(): Promise<void> {
		const server = createServer((client) => this.#relay(client, connect(this.targetPort, this.targetHost)));
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen(this.port, '127.0.0.1', () => resolve());
		});
		const address = server.address();
		if (typeof address === 'object' && address) this.port = address.port;
		this.#server = server;
	}

	/** Stops listening and drops every open connection. */
	async cut(): Promise<void> {
		const server = this.#server;
		this.#server = undefined;
		for (const socket of this.#sockets) socket.destroy();
		this.#sockets.clear();
		if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
	}

	/**
	 * The next statement whose text contains `text` runs and commits, but its client never
	 * learns so: its completion is swallowed and, once the server says it is ready for the next
	 * query (after the implicit transaction committed), both sides of that connection are
	 * closed. Resolves when that has happened.
	 */
	loseReplyTo(text: string): Promise<void> {
		return new Promise((resolve) => {
			this.#armed = { pattern: Buffer.from(text), done: resolve };
		});
	}

	#relay(client: Socket, upstream: Socket): void {
		for (const s of [client, upstream]) {
			this.#sockets.add(s);
			s.on('close', () => this.#sockets.delete(s));
			s.on('error', () => {
				client.destroy();
				upstream.destroy();
			});
		}
		// Armed: the server's messages still reach the client until the statement's CommandComplete
		// (a statement may be described first, which the client must hear); from there on nothing
		// does, and at ReadyForQuery (sent after the implicit transaction committed) both sides close.
		let intercepting: { pending: Buffer; completed: boolean; done: () => void } | undefined;
		client.on('data', (chunk: Buffer) => {
			const armed = this.#armed;
			if (armed && !intercepting && chunk.includes(armed.pattern)) {
				this.#armed = undefined;
				intercepting = { pending: Buffer.alloc(0), completed: false, done: armed.done };
			}
			upstream.write(chunk);
		});
		upstream.on('data', (chunk: Buffer) => {
			if (this.stalled) return;
			const state = intercepting;
			if (!state) {
				client.write(chunk);
				return;
			}
			// Server messages: a type byte, then an int32 length that counts itself.
			let buf = Buffer.concat([state.pending, chunk]);
			while (buf.length >= 5) {
				const end = 1 + buf.readUInt32BE(1);
				if (buf.length < end) break;
				const type = String.fromCharCode(buf[0]!);
				if (!state.completed && type === 'C') state.completed = true;
				else if (!state.completed) client.write(buf.subarray(0, end));
				else if (type === 'Z') {
					client.destroy();
					upstream.destroy();
					state.done();
					return;
				}
				buf = buf.subarray(end);
			}
			state.pending = buf;
		});
		client.on('end', () => upstream.end());
		upstream.on('end', () => client.end());
	}
}

/** An open proxy in front of the database at `databaseUrl`, and the URL that reaches it through the proxy. */
export async function proxyInFrontOf(databaseUrl: string): Promise<{ proxy: TcpProxy; url: string }> {
	const target = new URL(databaseUrl);
	const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
	await proxy.open();
	target.hostname = '127.0.0.1';
	target.port = String(proxy.port);
	return { proxy, url: target.toString() };
}
