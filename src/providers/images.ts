// Image generation answers as the adapters hand them to the route: the provider's JSON relayed as
// it came, with what the route needs read from it (the image count, the usage) and a copy for the
// log without the base64 images, which are megabytes each.
import * as z from 'zod';
import type { ImagesResult } from './types';
import { parseAnswer } from './upstream-error';

const count = z.number().int().min(0);
const details = z.looseObject({ text_tokens: count.optional(), image_tokens: count.optional() }).optional();
/**
 * The parts of ImagesResponse the gateway reads; the rest passes through unread. `created` is not
 * required: OpenAI-compatible services such as Together answer without it, with images made and billed.
 */
const imagesAnswerSchema = z.looseObject({
  created: z.number().optional(),
  data: z.array(z.looseObject({ b64_json: z.string().optional(), url: z.string().optional() })),
  usage: z
    .looseObject({
      input_tokens: count,
      output_tokens: count,
      total_tokens: count,
      input_tokens_details: details,
      output_tokens_details: details,
    })
    .optional(),
});

/**
 * A provider's ImagesResponse text, checked; an answer that is none fails the attempt. Its images are
 * replaced as it is parsed (`imageNote`), so the parsed copy holds none: ten large images are tens
 * of megabytes as text already, and a Worker has 128 MB.
 */
export function imagesAnswer(provider: string, raw: string): ImagesResult {
  const answer = parseAnswer(provider, raw, imagesAnswerSchema, 'images body', imageNote);
  return {
    raw,
    images: answer.data.length,
    ...(answer.usage ? { usage: answer.usage } : {}),
    summary: answer,
  };
}

/** An image's base64 as its length, and a data URL as its size: what the log keeps of them. */
function imageNote(key: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (key === 'b64_json') return `[${value.length} base64 characters]`;
  if (key === 'url' && value.startsWith('data:')) return `[data URL, ${value.length} characters]`;
  return value;
}

/** `answer` with each image's base64 replaced by its length, and a data URL by its size. */
export function loggable(answer: { data: Record<string, unknown>[] }): Record<string, unknown> {
  const data = answer.data.map((image) =>
    Object.fromEntries(Object.entries(image).map(([key, value]) => [key, imageNote(key, value)])),
  );
  return { ...answer, data };
}
