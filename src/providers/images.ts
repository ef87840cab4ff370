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

/** A provider's ImagesResponse text, checked; an answer that is none fails the attempt. */
export function imagesAnswer(provider: string, raw: string): ImagesResult {
  const answer = parseAnswer(provider, raw, imagesAnswerSchema, 'images body');
  return {
    raw,
    images: answer.data.length,
    ...(answer.usage ? { usage: answer.usage } : {}),
    summary: loggable(answer),
  };
}

/** `answer` with each image's base64 replaced by its length, and a data URL by its start. */
export function loggable(answer: { data: Record<string, unknown>[] }): Record<string, unknown> {
  const data = answer.data.map((image) => {
    const { b64_json, url, ...rest } = image;
    return {
      ...rest,
      ...(typeof b64_json === 'string' ? { b64_json: `[${b64_json.length} base64 characters]` } : {}),
      ...(typeof url === 'string'
        ? { url: url.startsWith('data:') ? `[data URL, ${url.length} characters]` : url }
        : {}),
    };
  });
  return { ...answer, data };
}
