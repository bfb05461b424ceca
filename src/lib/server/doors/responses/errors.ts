import type { DoorError } from '../../protocol/door';

/** OpenAI's error shape (docs/protocol.md, "Error shape"): the Responses door shares it with chat completions. */
export function openaiErrorBody(err: DoorError): { error: { message: string; type: string; param: string | null; code: string | null } } {
	return { error: { message: err.message, type: err.type, param: err.param, code: err.code } };
}
