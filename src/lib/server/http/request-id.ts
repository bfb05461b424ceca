import { randomToken } from '../auth/tokens';

/** Server-side request ids: unique, URL-safe, and the ledger's idempotency key. */
export function newRequestId(): string {
	return `req_${randomToken(15)}`;
}

const CLIENT_ID = /^[\w.=:-]{1,128}$/;

/** A client's own correlation id, kept only when it is short and plain. */
export function acceptClientRequestId(value: string | null): string | undefined {
	return value !== null && CLIENT_ID.test(value) ? value : undefined;
}
