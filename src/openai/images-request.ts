// The body of POST /v1/images/generations: OpenAI's CreateImageRequest, checked field by field and
// otherwise kept as sent (unknown fields reach an OpenAI-compatible provider untouched).
import * as z from 'zod';
import { modelName } from './schemas';

/** OpenAI's cap on images per request. */
export const MAX_IMAGES = 10;

// null is unset, as OpenAI's schema allows for each of these.
export const imagesRequest = z.looseObject({
  // Unlike OpenAI (which defaults to dall-e-2), the gateway needs a model to pick a route.
  model: modelName,
  prompt: z.string().min(1, 'the prompt must not be empty').max(32_000, 'at most 32,000 characters'),
  n: z.number().int().min(1).max(MAX_IMAGES).nullish(),
  quality: z.enum(['standard', 'hd', 'low', 'medium', 'high', 'auto']).nullish(),
  response_format: z.enum(['url', 'b64_json']).nullish(),
  output_format: z.enum(['png', 'jpeg', 'webp']).nullish(),
  output_compression: z.number().int().min(0).max(100).nullish(),
  stream: z.boolean().nullish(),
  partial_images: z.number().int().min(0).max(3).nullish(),
  // Any WIDTHxHEIGHT: gpt-image-2 takes arbitrary resolutions within its limits.
  size: z
    .string()
    .regex(/^(auto|\d{2,5}x\d{2,5})$/, 'expected auto or WIDTHxHEIGHT, e.g. 1024x1024')
    .nullish(),
  moderation: z.enum(['low', 'auto']).nullish(),
  background: z.enum(['transparent', 'opaque', 'auto']).nullish(),
  style: z.enum(['vivid', 'natural']).nullish(),
  user: z.string().nullish(),
});
export type ImagesRequest = z.infer<typeof imagesRequest>;
