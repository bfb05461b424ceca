import { describe, expect, test } from 'vitest';
import { scrubUpstreamMessage } from './scrub';

describe('scrubUpstreamMessage: real provider messages', () => {
	test.each([
		[
			'OpenAI invalid key (masked)',
			'Incorrect API key provided: sk-proj-********************************************abcd. You can find your API key at https://platform.openai.com/account/api-keys.',
			'Incorrect API key provided: [redacted]. You can find your API key at [url].'
		],
		['OpenAI invalid key (short mask)', 'Incorrect API key provided: sk-abc***************xyz.', 'Incorrect API key provided: [redacted].'],
		[
			'OpenAI rate limit with organization id',
			'Rate limit reached for gpt-4o in organization org-AbCdEf123GhIjKl456MnOpQr on tokens per min (TPM): Limit 30000, Used 29870, Requested 500. Please try again in 260ms. Visit https://platform.openai.com/account/rate-limits to learn more.',
			'Rate limit reached for gpt-4o in organization [redacted] on tokens per min (TPM): Limit 30000, Used 29870, Requested 500. Please try again in 260ms. Visit [url] to learn more.'
		],
		[
			'Azure 404 with the resource URL',
			'Upstream 404 from https://my-resource.openai.azure.com/openai/deployments/my-gpt4o-prod/chat/completions?api-version=2024-10-21: The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.',
			'Upstream 404 from [url]: The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.'
		],
		[
			'Azure quoted deployment and resource names',
			`The deployment 'my-gpt4o-prod' was not found in resource "contoso-eastus".`,
			`The deployment '[redacted]' was not found in resource "[redacted]".`
		],
		['Azure host without a scheme', 'Could not reach my-resource.openai.azure.com.', 'Could not reach [host].'],
		[
			'Azure subscription id',
			'Subscription 3fa85f64-5717-4562-b3fc-2c963f66afa6 is disabled.',
			'Subscription [redacted] is disabled.'
		],
		[
			'Gemini bad key with the key in the URL',
			'POST https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent?key=AIzaSyD-abcdefghijklmnopqrstuvwxyz12345: [400 Bad Request] API key not valid. Please pass a valid API key.',
			'POST [url]: [400 Bad Request] API key not valid. Please pass a valid API key.'
		],
		['Gemini key outside a URL', 'key AIzaSyD-abcdefghijklmnopqrstuvwxyz12345 rejected', 'key [redacted] rejected'],
		[
			'Ollama not running',
			'Post "http://127.0.0.1:11434/api/chat": dial tcp 127.0.0.1:11434: connect: connection refused',
			'Post "[url]": dial tcp [host]: connect: connection refused'
		],
		['Ollama by service name', 'dial tcp: lookup ollama:11434: no such host', 'dial tcp: lookup [host]: no such host'],
		[
			'vLLM unreachable',
			"Cannot connect to host 10.1.2.3:8000 ssl:default [Connect call failed ('10.1.2.3', 8000)]",
			"Cannot connect to host [host] ssl:default [Connect call failed ('[host]', 8000)]"
		],
		[
			'Anthropic key echoed in a header dump',
			'Invalid header x-api-key: sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-AbCdEfGhIjKlMn',
			'Invalid header x-api-key: [redacted]'
		],
		['Anthropic key in key=value form', 'auth failed (x-api-key=abc123)', 'auth failed (x-api-key=[redacted])'],
		[
			'Bearer JWT',
			'Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U rejected',
			'Authorization: Bearer [redacted] rejected'
		],
		['Bearer opaque token', 'Authorization: Bearer tok_1234abcd5678efgh.', 'Authorization: Bearer [redacted].'],
		['labelled and quoted values', `bad request: "api_key": "abcdef", api-key=xyz`, `bad request: "api_key": "[redacted]", api-key=[redacted]`],
		['query-string style pairs', 'key=abc&token=def', 'key=[redacted]&token=[redacted]'],
		[
			'long opaque tokens',
			'checksum 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 and key gsk_abcdefghijklmnopqrstuvwxyz0123456789ABCDEF',
			'checksum [redacted] and key [redacted]'
		],
		['AWS access key id', 'The security token AKIAIOSFODNN7EXAMPLE is invalid', 'The security token [redacted] is invalid'],
		[
			'IPv6 literals',
			'connect ECONNREFUSED [2001:db8::1]:443, [::1]:11434, 2001:db8::1 and ::ffff:10.1.2.3',
			'connect ECONNREFUSED [host], [host], [host] and [host]'
		],
		[
			'internal names and localhost',
			'getaddrinfo ENOTFOUND foo.internal; vllm-server:8000 down; localhost:11434 failed; host.docker.internal:8080/v1/chat failed',
			'getaddrinfo ENOTFOUND [host]; [host] down; [host] failed; [url] failed'
		],
		['URL in parentheses', 'see (https://api.example.co.uk/v1?x=1).', 'see ([url]).'],
		['websocket URL', 'Realtime: wss://api.openai.com/v1/realtime?model=gpt-4o closed', 'Realtime: [url] closed'],
		['deployment path without a host', 'POST /openai/deployments/my-gpt4o-prod/chat/completions failed', 'POST /openai/deployments/[redacted]/chat/completions failed']
	])('%s', (_name, input, expected) => {
		expect(scrubUpstreamMessage(input)).toBe(expected);
	});
});

describe('scrubUpstreamMessage: ordinary messages stay as they are', () => {
	test.each([
		"This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens. Please reduce the length of the messages.",
		"Invalid value for 'temperature': 2.5",
		'gpt-4.1-mini is not available',
		'Rate limit reached for gpt-4o in organization on tokens per min (TPM): Limit 30000, Used 29870',
		'claude-3.5-sonnet does not support api-version 2024-10-21 (client v1.2.3).',
		'The model `gpt-4o-mini-realtime-preview-2024-12-17` does not exist or you do not have access to it.',
		'The API deployment for this resource does not exist.',
		'API key not valid. Please pass a valid API key.',
		'invalid x-api-key',
		'x-api-key header is required',
		'invalid x-api-key: please check it',
		'Missing bearer token. Use Bearer YOUR_KEY in the Authorization header.',
		'Upstream returned status:500 at 12:30:45.',
		'Prompt mentions main.py, README.md and std::io::Error; e.g. this, i.e. that.',
		'Model llama3.1:70b is loading'
	])('%s', (input) => {
		expect(scrubUpstreamMessage(input)).toBe(input);
	});
});

describe('scrubUpstreamMessage: shape of the result', () => {
	test('trims', () => {
		expect(scrubUpstreamMessage('  \n overloaded \t')).toBe('overloaded');
	});

	test('caps at 1,000 characters with an ellipsis', () => {
		const out = scrubUpstreamMessage('word '.repeat(400));
		expect(out).toHaveLength(1000);
		expect(out.endsWith('…')).toBe(true);
		expect(scrubUpstreamMessage('a'.repeat(1000))).toBe('a'.repeat(1000));
	});

	test('does not split a surrogate pair when cutting', () => {
		const out = scrubUpstreamMessage('a'.repeat(998) + '😀😀');
		expect(out).toBe('a'.repeat(998) + '…');
	});

	test('scrubs before cutting, so a cut never exposes part of a secret', () => {
		const out = scrubUpstreamMessage('x'.repeat(990) + ' sk-proj-abcdefghijklmnop1234');
		expect(out).not.toContain('sk-');
	});

	test('is idempotent', () => {
		const once = scrubUpstreamMessage(
			`deployment "prod-1" at https://a.b.com?key=1, x-api-key: sk-ant-abc123456789, Bearer tok_123456789, 10.0.0.5:8000`
		);
		expect(scrubUpstreamMessage(once)).toBe(once);
		expect(once).toBe('deployment "[redacted]" at [url], x-api-key: [redacted], Bearer [redacted], [host]');
	});

	// The message is attacker-influenced (a hostile upstream), so no input may make a rule backtrack.
	test.each([
		['dotted labels', 'a.'.repeat(4000)],
		['hyphens', 'a-'.repeat(4000)],
		['colons', 'ab:'.repeat(2700)],
		['an unclosed bracket', '[' + ':'.repeat(7999)],
		['a URL of closers', 'http://' + ')'.repeat(7990)],
		['a masked key of dots', 'sk-' + 'a...'.repeat(2000)],
		['quotes', "deployment '".repeat(700)]
	])('stays fast on %s', (_name, input) => {
		const started = performance.now();
		scrubUpstreamMessage(input);
		expect(performance.now() - started).toBeLessThan(100);
	});
});
