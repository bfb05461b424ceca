/** OpenAI's error body; every /v1 error leaves in this shape. */
export interface OpenAIErrorBody {
	error: { message: string; type: string; param: string | null; code: string | null };
}

export function openAIError(
	status: number,
	message: string,
	{ type = 'invalid_request_error', code = null, param = null }: { type?: string; code?: string | null; param?: string | null } = {},
	headers: Record<string, string> = {}
): Response {
	const body: OpenAIErrorBody = { error: { message, type, param, code } };
	return Response.json(body, { status, headers });
}
