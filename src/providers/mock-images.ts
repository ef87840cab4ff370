// The mock provider's image generation: n copies of one 1×1 PNG, without any fetch — as base64
// (the GPT image models' only answer, and the default here) or, for `response_format: "url"`, as a
// data URL, since the mock has nowhere to host an image. Usage as the GPT image models report it.
import { estimateTextTokens } from '../limits/estimate';
import type { ImagesRequest } from '../openai/images-request';
import { loggable } from './images';
import type { ImagesResult } from './types';

/** A transparent 1×1 PNG. */
const PIXEL_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
/** What each image "costs" in output tokens: a fixed figure, so that usage is predictable in tests. */
const TOKENS_PER_IMAGE = 16;

export function mockImages(body: ImagesRequest, now: number): ImagesResult {
  const n = body.n ?? 1;
  const image =
    body.response_format === 'url' ? { url: `data:image/png;base64,${PIXEL_PNG}` } : { b64_json: PIXEL_PNG };
  const input = estimateTextTokens(body.prompt);
  const output = n * TOKENS_PER_IMAGE;
  const answer = {
    created: Math.floor(now / 1000),
    data: Array.from({ length: n }, () => image),
    output_format: 'png',
    usage: {
      input_tokens: input,
      output_tokens: output,
      total_tokens: input + output,
      input_tokens_details: { text_tokens: input, image_tokens: 0 },
    },
  };
  return { raw: JSON.stringify(answer), images: n, usage: answer.usage, summary: loggable(answer) };
}
