import type { DoorCodec } from '../../protocol/door';
import { openaiErrorBody } from './errors';
import { responsesToCanonical } from './request';
import { renderResponse } from './response';
import { createResponsesStreamRenderer } from './stream';

/** The OpenAI Responses door (`POST /v1/responses`, docs/doors/responses.md) for converted routes. */
export const responsesDoor: DoorCodec = {
	door: 'responses',
	toCanonical: responsesToCanonical,
	renderCompletion: renderResponse,
	createStreamRenderer: createResponsesStreamRenderer,
	errorBody: openaiErrorBody
};

