import { createServer, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createImageFetcher, ImageFetchError, isPublicAddress } from './fetch-image';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

/** A local server answering by path; each test's routes are in `routes`. */
async function serve(routes: Record<string, (res: ServerResponse) => void>): Promise<{ server: Server; origin: string; host: string }> {
	const server = createServer((req, res) => {
		const route = routes[req.url ?? ''];
		if (route) route(res);
		else res.writeHead(404).end();
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	if (!address || typeof address === 'string') throw new Error('no address');
	return { server, origin: `http://127.0.0.1:${address.port}`, host: `127.0.0.1:${address.port}` };
}

let images: Awaited<ReturnType<typeof serve>>;
let other: Awaited<ReturnType<typeof serve>>;

beforeAll(async () => {
	other = await serve({ '/x.png': (res) => res.writeHead(200, { 'content-type': 'image/png' }).end(PNG) });
	images = await serve({
		'/a.png': (res) => res.writeHead(200, { 'content-type': 'image/png' }).end(PNG),
		'/untyped': (res) => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(PNG),
		'/page': (res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>'),
		'/hop': (res) => res.writeHead(302, { location: '/a.png' }).end(),
		'/escape': (res) => res.writeHead(302, { location: `${other.origin}/x.png` }).end(),
		'/loop': (res) => res.writeHead(302, { location: '/loop' }).end(),
		'/big': (res) => res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(5000) }).end(Buffer.alloc(5000)),
		'/big-chunked': (res) => {
			res.writeHead(200, { 'content-type': 'image/png' });
			for (let i = 0; i < 10; i++) res.write(Buffer.alloc(1000));
			res.end();
		},
		'/slow': (res) => {
			res.writeHead(200, { 'content-type': 'image/png' });
			res.write(PNG); // then nothing: the deadline must cut it
		}
	});
});

afterAll(async () => {
	for (const s of [images, other]) {
		s?.server.closeAllConnections();
		await new Promise((resolve) => s?.server.close(resolve));
	}
});

const allowed = () => createImageFetcher({ allowHosts: [images.host], timeoutMs: 1000 });

describe('the SSRF guard refuses', () => {
	const strict = createImageFetcher({ allowHosts: [] });
	for (const url of [
		'http://127.0.0.1/x.png',
		'http://localhost/x.png',
		'http://[::1]/x.png',
		'http://169.254.169.254/latest/meta-data/',
		'http://[::ffff:127.0.0.1]/x.png',
		'http://[::ffff:169.254.169.254]/',
		'http://10.1.2.3/x.png',
		'http://172.16.0.1/x.png',
		'http://192.168.1.1/x.png',
		'http://100.64.0.1/x.png',
		'http://0.0.0.0/x.png',
		'http://[fd00::1]/x.png',
		'http://[fe80::1]/x.png',
		'http://224.0.0.1/x.png',
		'http://2130706433/x.png', // 127.0.0.1 as one number
		'ftp://example.com/x.png',
		'file:///etc/passwd',
		'http://user:pw@example.com/x.png',
		'not a url'
	]) {
		test(url, async () => {
			await expect(strict(url)).rejects.toBeInstanceOf(ImageFetchError);
		});
	}

	test('a public-looking name that resolves to a loopback address', async () => {
		const fetcher = createImageFetcher({ allowHosts: [], resolve: async () => ['203.0.113.9', '127.0.0.1'] });
		await expect(fetcher('http://images.example.com/x.png')).rejects.toThrow(/not a public address/);
		const loopback = createImageFetcher({ allowHosts: [], resolve: async () => ['127.0.0.1'] });
		await expect(loopback(`http://cdn.example.com:${other.host.split(':')[1]}/x.png`)).rejects.toBeInstanceOf(ImageFetchError);
	});

	test('a redirect from an allow-listed server to another local port', async () => {
		await expect(allowed()(`${images.origin}/escape`)).rejects.toThrow(/not a public address/);
	});

	test('endless redirects', async () => {
		await expect(allowed()(`${images.origin}/loop`)).rejects.toThrow(/redirected more than 5 times/);
	});

	test('non-images', async () => {
		await expect(allowed()(`${images.origin}/page`)).rejects.toThrow(/did not return an image/);
		await expect(allowed()(`${images.origin}/missing`)).rejects.toThrow(/HTTP 404/);
	});

	test('oversize bodies, declared or streamed', async () => {
		const small = createImageFetcher({ allowHosts: [images.host], maxBytes: 2048 });
		await expect(small(`${images.origin}/big`)).rejects.toThrow(/larger than/);
		await expect(small(`${images.origin}/big-chunked`)).rejects.toThrow(/larger than/);
	});

	test('slow bodies, cut at the deadline', async () => {
		const quick = createImageFetcher({ allowHosts: [images.host], timeoutMs: 300 });
		const started = Date.now();
		await expect(quick(`${images.origin}/slow`)).rejects.toThrow(/within 0.3 s/);
		expect(Date.now() - started).toBeLessThan(2000);
	});
});

describe('allowed fetches', () => {
	test("an allow-listed local server's PNG comes back as base64 with its media type", async () => {
		expect(await allowed()(`${images.origin}/a.png`)).toEqual({ mediaType: 'image/png', base64: PNG.toString('base64') });
	});

	test('redirects within the allow-listed host are followed; magic bytes stand in for a missing type', async () => {
		expect((await allowed()(`${images.origin}/hop`)).mediaType).toBe('image/png');
		expect((await allowed()(`${images.origin}/untyped`)).mediaType).toBe('image/png');
	});

	test('the connection goes to the checked address, not to a second DNS answer', async () => {
		let calls = 0;
		// First answer (the one checked) is the allow-listed server; a rebinding second answer would differ.
		const fetcher = createImageFetcher({
			allowHosts: [`img.test:${images.host.split(':')[1]}`],
			resolve: async () => (calls++ === 0 ? ['127.0.0.1'] : ['10.0.0.1'])
		});
		expect((await fetcher(`http://img.test:${images.host.split(':')[1]}/a.png`)).mediaType).toBe('image/png');
		expect(calls).toBe(1);
	});
});

test('isPublicAddress', () => {
	expect(isPublicAddress('8.8.8.8')).toBe(true);
	expect(isPublicAddress('2606:4700:4700::1111')).toBe(true);
	expect(isPublicAddress('::ffff:8.8.8.8')).toBe(true);
	for (const ip of ['127.0.0.1', '::1', '::', '0.0.0.0', '169.254.169.254', '100.100.100.200', 'fc00::1', '::ffff:10.0.0.1', '255.255.255.255', 'x']) {
		expect(isPublicAddress(ip)).toBe(false);
	}
});
