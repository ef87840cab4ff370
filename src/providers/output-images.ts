// Images a model made, as chat answers carry them. Chat Completions has no field for them: the
// gateway uses OpenRouter's, which clients of image models already read — `message.images` in a
// JSON answer, `delta.images` in a stream chunk, each `{type: 'image_url', image_url: {url}}` with
// a base64 data: URL, in the order the model made them. A client sends them back on the assistant
// message, and the translations give them to the model again (assistant-images.ts).
import { type SignedExtra, signedExtra } from './thought-signature';

/**
 * `extra_content`: the thought signature Gemini 3 Pro Image put on the image's part, which it wants
 * back with the image to keep its reasoning across an edit (thought-signature.ts).
 */
export interface OutputImage extends SignedExtra {
  type: 'image_url';
  image_url: { url: string };
}

/** An image from its media type (`image/png`) and base64 bytes, and the signature of its part, if any. */
export function outputImage(mediaType: string, base64: string, signature?: string): OutputImage {
  return {
    type: 'image_url',
    image_url: { url: `data:${mediaType};base64,${base64}` },
    ...signedExtra(signature),
  };
}

/** The `images` field of a message or delta: absent when there are none. */
export function imagesField(images: readonly OutputImage[]): { images?: OutputImage[] } {
  return images.length > 0 ? { images: [...images] } : {};
}
