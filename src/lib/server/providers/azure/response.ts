import { finishOpenAIResponse } from '../openai/response';
import type { Door, FinishedResponse } from '../types';

/**
 * Azure's answers are OpenAI's (plus prompt_filter_results and per-choice
 * content_filter_results, which pass through): the model — the underlying model version, e.g.
 * gpt-4o-2024-08-06 — becomes the public name, and usage is read as OpenAI's. Azure sorts its
 * JSON keys, so "model" comes after "choices" and the body is re-serialised for the rename.
 */
export function finishAzureResponse(door: Door, text: string, publicModel: string): FinishedResponse {
	return finishOpenAIResponse(door, text, publicModel);
}
