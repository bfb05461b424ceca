/**
 * How each Workers AI model on /ai/run takes images (docs/providers/workers-ai.md, from the
 * models' published input schemas at https://developers.cloudflare.com/workers-ai/models/):
 * - 'image-parts': OpenAI-style `image_url` parts inside user messages, as data URLs only
 *   ("HTTP URL will not be accepted"); several images may be sent;
 * - 'image-field': text messages plus one image as bytes in a top-level `image` field;
 * - 'image-to-text': a `prompt` and one image as bytes; the answer is `description`, never
 *   streamed;
 * - 'text': no image input. Every model not listed here is taken to be text-only, so an image
 *   is refused rather than dropped; a vision model is added here once its schema is confirmed.
 */
export type ImageInput = 'text' | 'image-parts' | 'image-field' | 'image-to-text';

const VISION_MODELS: ReadonlyMap<string, ImageInput> = new Map([
	['@cf/meta/llama-4-scout-17b-16e-instruct', 'image-parts'],
	['@cf/google/gemma-3-12b-it', 'image-parts'],
	['@cf/mistralai/mistral-small-3.1-24b-instruct', 'image-parts'],
	['@cf/meta/llama-3.2-11b-vision-instruct', 'image-field'],
	['@cf/llava-hf/llava-1.5-7b-hf', 'image-to-text'],
	['@cf/unum/uform-gen2-qwen-500m', 'image-to-text']
]);

export function imageInputOf(model: string): ImageInput {
	return VISION_MODELS.get(model.trim().toLowerCase()) ?? 'text';
}
