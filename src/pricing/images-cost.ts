// What /v1/images/generations reserves and charges: the GPT image models by their usage (text in,
// image tokens out), DALL·E, which reports none, by a price per image (perImageUsd).
import type { ResolvedRoute, Runtime } from '../config/runtime';
import type { ImagesUsage, Usage } from '../providers/types';
import type { Attempt } from '../routing/failures';
import { applyRoutingOverride, type RoutingOverride } from '../routing/overrides';
import { IMAGE_OUTPUT_TOKENS_BOUND } from './image-fees';
import { inForce } from './price-schema';
import { estimatedCharge, routePrices, targetCost, targetPrice, worstCases } from './route-prices';

/** An images answer's usage in the gateway's terms: every output token an image token unless it says otherwise. */
export function imagesUsage(usage: ImagesUsage): Usage {
  const image = usage.output_tokens_details?.image_tokens ?? usage.output_tokens;
  return {
    prompt_tokens: usage.input_tokens,
    completion_tokens: usage.output_tokens,
    total_tokens: usage.input_tokens + usage.output_tokens,
    completion_tokens_details: { image_tokens: Math.min(image, usage.output_tokens) },
  };
}

/**
 * The most `n` images from a `promptTokens` prompt can cost on `route` (and, for admit's costFor, as
 * a routing override leaves it): the prompt, and for each image IMAGE_OUTPUT_TOKENS_BOUND output
 * tokens at the dearest image rate — the answer's size is unknown before it comes — plus the
 * dearest price per image.
 */
export function imagesWorstCase(runtime: Runtime, route: ResolvedRoute, promptTokens: number, n: number) {
  const tokens = worstCases(runtime, route, promptTokens, n * IMAGE_OUTPUT_TOKENS_BOUND);
  const perImage = (r: ResolvedRoute) =>
    n * Math.max(0, ...routePrices(runtime, r).map((listed) => inForce(listed, Date.now()).perImageUsd ?? 0));
  return {
    costUsd: tokens.costUsd + perImage(route),
    costFor: (routing: RoutingOverride | undefined) => {
      const pinned = tokens.costFor(routing);
      if (!routing?.pin) return pinned;
      return { ...pinned, costUsd: pinned.costUsd + perImage(applyRoutingOverride(route, routing)) };
    },
  };
}

/**
 * What `images` images cost at `target`: by the answer's usage, else (`promptTokens`, the estimate)
 * as estimated — the prompt, and for a model priced per image that price, or else each image at the
 * bound it was reserved at, so that a GPT image model answering without usage is never free.
 */
export function imagesCost(
  runtime: Runtime,
  target: { provider: string; model: string },
  images: number,
  reported: ImagesUsage | undefined,
  promptTokens: number,
): { usage: Usage; costUsd: number; estimated: boolean } {
  const perImage = targetPrice(runtime, target).perImageUsd;
  const fees = images * (perImage ?? 0);
  if (reported) {
    const usage = imagesUsage(reported);
    return { usage, costUsd: targetCost(runtime, target, usage) + fees, estimated: false };
  }
  const output = perImage === undefined ? images * IMAGE_OUTPUT_TOKENS_BOUND : 0;
  const guess = {
    prompt_tokens: promptTokens,
    completion_tokens: output,
    total_tokens: promptTokens + output,
  };
  const usage = estimatedCharge(runtime, target, guess);
  return { usage, costUsd: targetCost(runtime, target, usage) + fees, estimated: true };
}

/**
 * The attempts the gateway timed out (no answer, no status), charged as a client's leaving is: an
 * image takes up to minutes, past `timeouts.requestMs`, and the provider goes on to make and bill
 * the `n` images though nobody waits — not the prompt alone, as for chat. Their prompt tokens (for the
 * log row and TPM) and their cost.
 */
export function timedOutImages(
  runtime: Runtime,
  attempts: readonly Attempt[],
  promptTokens: number,
  n: number,
): { tokens: number; costUsd: number } {
  let tokens = 0;
  let costUsd = 0;
  for (const attempt of attempts) {
    if (attempt.failure !== 'timeout' || attempt.status !== 0) continue;
    tokens += promptTokens;
    costUsd += imagesCost(runtime, attempt, n, undefined, promptTokens).costUsd;
  }
  return { tokens, costUsd };
}
