// Gemini's usageMetadata as OpenAI usage: thinking counted as output, tool-use prompts as input,
// cached content, prompt audio and an image model's image tokens apart for their own prices.
import * as z from 'zod';
import type { Usage } from './types';

export const usageSchema = z.looseObject({
  promptTokenCount: z.number().optional(),
  candidatesTokenCount: z.number().optional(),
  thoughtsTokenCount: z.number().optional(),
  toolUsePromptTokenCount: z.number().optional(),
  cachedContentTokenCount: z.number().optional(),
});

export type GeminiUsage = z.infer<typeof usageSchema>;

/**
 * `madeImage`: the answer holds an image the model made. Image models bill image tokens apart from
 * text and thinking (Gemini 3 Pro Image: $120 against $12 per million): the IMAGE count of
 * `candidatesTokensDetails` (the breakdown of candidatesTokenCount by modality; thoughts are apart)
 * is `image_tokens`. An answer without that breakdown that holds an image counts all its candidate
 * tokens so — its text too, at most a bound — and any other none.
 */
export function toUsage(usage: GeminiUsage, madeImage = false): Usage {
  const prompt = (usage.promptTokenCount ?? 0) + (usage.toolUsePromptTokenCount ?? 0);
  const candidates = usage.candidatesTokenCount ?? 0;
  // Thinking tokens are billed as output, as OpenAI counts reasoning tokens in completion_tokens.
  const completion = candidates + (usage.thoughtsTokenCount ?? 0);
  const split = Array.isArray(usage.candidatesTokensDetails);
  const image = Math.min(
    candidates,
    split ? modalityTokens(usage.candidatesTokensDetails, 'IMAGE') : madeImage ? candidates : 0,
  );
  // Audio in the prompt is priced apart (Gemini 2.5 Flash: $1.00 against $0.30 for text); of it,
  // what was read from a cache is among the cached tokens.
  const audio =
    modalityTokens(usage.promptTokensDetails, 'AUDIO') - modalityTokens(usage.cacheTokensDetails, 'AUDIO');
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: {
      cached_tokens: usage.cachedContentTokenCount ?? 0,
      ...(audio > 0 ? { audio_tokens: audio } : {}),
    },
    ...(usage.thoughtsTokenCount || image > 0
      ? {
          completion_tokens_details: {
            ...(usage.thoughtsTokenCount ? { reasoning_tokens: usage.thoughtsTokenCount } : {}),
            ...(image > 0 ? { image_tokens: image } : {}),
          },
        }
      : {}),
  };
}

/**
 * The tokens of one modality in a `[{modality, tokenCount}]` list; 0 for anything else. Read
 * leniently: a list of another shape must not cost the answer its usage.
 */
function modalityTokens(details: unknown, modality: string): number {
  if (!Array.isArray(details)) return 0;
  let tokens = 0;
  for (const entry of details) {
    const count = (entry as { modality?: unknown; tokenCount?: unknown } | null)?.tokenCount;
    if ((entry as { modality?: unknown } | null)?.modality === modality && typeof count === 'number')
      tokens += Number.isFinite(count) && count > 0 ? count : 0;
  }
  return tokens;
}
