import type { ServerResponse } from 'node:http';
import { startHttpMock, type HttpMock } from './mock-http';

/**
 * Stripe's API, as far as Checkout needs it: a session is created and answered with a payment
 * URL on checkout.example.test. Point the server at it with STRIPE_API_HOST/PORT/PROTOCOL
 * (`env`); every request is recorded in `requests` (the body is the form Stripe gets).
 */
export interface MockStripe extends HttpMock {
	/** STRIPE_API_* variables for `startServer`. */
	env: Record<string, string>;
}

export async function startMockStripe(): Promise<MockStripe> {
	let sessions = 0;
	const answer = (path: string, res: ServerResponse) => {
		res.setHeader('content-type', 'application/json');
		if (path.startsWith('/v1/checkout/sessions')) {
			const id = `cs_test_${++sessions}`;
			res.end(JSON.stringify({ id, object: 'checkout.session', url: `https://checkout.example.test/pay/${id}`, payment_status: 'unpaid', status: 'open' }));
			return;
		}
		res.statusCode = 404;
		res.end(JSON.stringify({ error: { type: 'invalid_request_error', message: `no mock for ${path}` } }));
	};
	const mock = await startHttpMock((req, res) => answer(req.path, res));
	return Object.assign(mock, { env: { STRIPE_API_HOST: '127.0.0.1', STRIPE_API_PORT: String(mock.port), STRIPE_API_PROTOCOL: 'http' } });
}
