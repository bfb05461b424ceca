import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP forwarder we can cut and restore, to make a database unreachable for the server
 * under test without touching the database itself.
 */
export class TcpProxy {
	#server: Server | undefined;
	readonly #sockets = new Set<Socket>();
	port = 0;

	constructor(
		readonly targetHost: string,
		readonly targetPort: number
	) {}

	/** Listens (again, on the same port after a cut). */
	async open(): Promise<void> {
		const server = createServer((client) => {
			const upstream = connect(this.targetPort, this.targetHost);
			for (const s of [client, upstream]) {
				this.#sockets.add(s);
				s.on('close', () => this.#sockets.delete(s));
				s.on('error', () => {
					client.destroy();
					upstream.destroy();
				});
			}
			client.pipe(upstream);
			upstream.pipe(client);
		});
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
}
