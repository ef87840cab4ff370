// What a chat request is charged once it is over: the serving target's usage, and the prompt of each attempt timed out.
import type { Runtime } from '../config/runtime';
import type { Target } from '../config/schema';
import type { Admission } from '../limits/admission';
import type { RequestLog } from '../logs/request-log';
import type { ChatRequest } from '../openai/schemas';
import { estimatedCharge, targetCost, targetTier, timedOutPrompts } from '../pricing/route-prices';
import type { Usage } from '../providers/types';
import type { Attempt } from '../routing/failures';

export type ChatSettlement = ReturnType<typeof chatSettlement>;
export type Settle = ChatSettlement['settle'];

/**
 * `inputTokens`: the prompt as reserved, charged for a timed-out attempt (or an answer) whose
 * provider reported no prompt count.
 */
export function chatSettlement(
  runtime: Runtime,
  body: ChatRequest,
  inputTokens: number,
  log: RequestLog,
  admitted: Admission,
) {
  /**
   * The tier a target with no answer was asked for, where the request's `service_tier` goes as sent
   * (OpenAI-wire providers; the others drop it).
   */
  const askedTier = (target: Pick<Target, 'provider'>) => {
    const type = runtime.provider(target.provider)?.type;
    return type === 'openai' || type === 'azure-openai' ? body.service_tier : undefined;
  };
  /**
   * Real cost of what the serving target consumed (zero when nothing was), plus the prompt of each
   * attempt the gateway timed out: the provider had it, and may bill it, as when a client leaves.
   * `tier`: the service tier the answer says it was served on (none: the standard rates);
   * `estimated`: `usage` is the gateway's estimate (the provider reported none), as the row says;
   * `promptReported`: its prompt_tokens are the provider's count (a stream cut short may report
   * the prompt but not the output). A timed-out attempt had the same prompt: charged that count
   * when there is one, since the estimate may hold allowances (limits.fileIdTokens per file sent
   * by file_id, 765 per unseen image) far from the prompt's real size. An estimated output is
   * charged (and logged) at the model's dearest output rate: its images, if it made any, went unseen.
   * Returns the usage as charged, which a cached copy's saving is reckoned from.
   */
  const settle = (
    target: Pick<Target, 'provider' | 'model'> | undefined,
    usage: Usage | undefined,
    attempts: readonly Attempt[] = [],
    tier?: unknown,
    estimated = false,
    promptReported = !estimated,
  ) => {
    const prompt = usage && promptReported && usage.prompt_tokens > 0 ? usage.prompt_tokens : inputTokens;
    const unanswered = timedOutPrompts(runtime, attempts, prompt, askedTier);
    const charged = target && usage && estimated ? estimatedCharge(runtime, target, usage) : usage;
    const costUsd = (target ? targetCost(runtime, target, charged, tier) : 0) + unanswered.costUsd;
    const billed = target && targetTier(runtime, target, tier);
    log.used(charged, costUsd, {
      tier: billed,
      timedOut: unanswered,
      estimated: estimated && usage !== undefined,
    });
    // The timed-out prompts' tokens too: the TPM limit counts what providers had, as the row does.
    admitted.settle({ tokens: usedTokens(usage) + unanswered.tokens, costUsd });
    return charged;
  };
  return { askedTier, settle };
}

function usedTokens(usage: Usage | undefined): number {
  return usage ? usage.prompt_tokens + usage.completion_tokens : 0;
}
