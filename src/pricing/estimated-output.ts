// What an output the gateway had to estimate is charged as: its kind is unknown, so its dearest.
import type { Usage } from '../providers/types';
import type { Price } from './price-schema';

/**
 * `usage` as charged when its output count is the gateway's estimate (no usage report, a stream
 * cut short). Which of a model's rates its tokens were is unknown, and an image the model was
 * making is never relayed to be seen: where `price` charges images above its text rates (Gemini's
 * image models, Nova 2 Omni), every output token not counted as audio is charged as an image
 * token, as the request was reserved (worstCaseCost), so a budget stays a cap.
 */
export function estimatedOutput(usage: Usage, price: Price): Usage {
  const image = price.imageOutputPerMTok;
  const text = Math.max(price.outputPerMTok, price.longContext?.outputPerMTok ?? 0);
  if (image === undefined || image <= text) return usage;
  const details = usage.completion_tokens_details;
  const unsplit = Math.max(0, usage.completion_tokens - (details?.audio_tokens ?? 0));
  if (unsplit === 0) return usage;
  return { ...usage, completion_tokens_details: { ...details, image_tokens: unsplit } };
}
