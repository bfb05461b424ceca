import type { FinishReason } from '../../protocol/canonical';

/** Anthropic stop_reason → OpenAI finish_reason (docs/providers/anthropic.md, "Non-stream response"). */
export function finishReasonOf(stopReason: unknown, jsonTool: boolean): FinishReason {
	switch (stopReason) {
		case 'max_tokens':
		case 'model_context_window_exceeded':
			return 'length';
		case 'tool_use':
			// The forced JSON tool is the answer itself, not a call for the client to make.
			return jsonTool ? 'stop' : 'tool_calls';
		case 'refusal':
			return 'content_filter';
		default:
			// end_turn, stop_sequence, pause_turn, and a missing reason (a cut stream).
			return 'stop';
	}
}
