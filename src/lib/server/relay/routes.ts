import type { Door } from '../providers/types';

export type RelayRoute =
	| { kind: 'call'; door: Door }
	| { kind: 'models' }
	| { kind: 'model'; id: string }
	| { kind: 'count-tokens' }
	| { kind: 'preflight' }
	| { kind: 'wrong-method'; allow: string }
	| { kind: 'unknown' };

const CALLS: Record<string, Door> = {
	'/v1/chat/completions': 'chat',
	'/v1/completions': 'completions',
	'/v1/embeddings': 'embeddings',
	'/v1/messages': 'messages',
	'/v1/responses': 'responses'
};

/** The path of a request URL without building a URL object (the query is ignored). */
export function pathOf(url: string): string {
	const start = url.indexOf('/', url.indexOf('//') + 2);
	if (start < 0) return '/';
	const query = url.indexOf('?', start);
	return query < 0 ? url.slice(start) : url.slice(start, query);
}

export function matchRelayRoute(method: string, rawPath: string): RelayRoute {
	const path = rawPath.length > 1 && rawPath.endsWith('/') ? rawPath.slice(0, -1) : rawPath;
	if (method === 'OPTIONS') return { kind: 'preflight' };
	const door = CALLS[path];
	if (door) return method === 'POST' ? { kind: 'call', door } : { kind: 'wrong-method', allow: 'POST' };
	if (path === '/v1/messages/count_tokens') return method === 'POST' ? { kind: 'count-tokens' } : { kind: 'wrong-method', allow: 'POST' };
	if (path === '/v1/models') return method === 'GET' ? { kind: 'models' } : { kind: 'wrong-method', allow: 'GET' };
	if (path.startsWith('/v1/models/')) {
		// Model ids may contain slashes (e.g. "meta-llama/Llama-3.3-70B").
		let id: string;
		try {
			id = decodeURIComponent(path.slice('/v1/models/'.length));
		} catch {
			return { kind: 'unknown' };
		}
		if (!id) return { kind: 'unknown' };
		return method === 'GET' ? { kind: 'model', id } : { kind: 'wrong-method', allow: 'GET' };
	}
	return { kind: 'unknown' };
}
