// The chat route's use of guardrails: select the rules for the admitted key and team, run them on
// the prompt, and expose what happened on the request context for the cache and the log.
import type { Context } from 'hono';
import type { CacheControl } from '../cache/control';
import type { GatewayConfig } from '../config/schema';
import type { AppEnv } from '../env';
import type { Admission } from '../limits/admission';
import type { ChatRequest } from '../openai/schemas';
import { type ChatGuard, chatWithTexts, guardChat } from './guard';
import { ScanBudget } from './regex/budget';
import { emptyReport, PromptBlocked } from './report';
import { selectRules } from './rules';

export interface RouteGuard extends ChatGuard {
  /** The cache controls to use: skip for zero-retention traffic and for rewritten responses. */
  cacheControl(control: CacheControl): CacheControl;
}

/**
 * Sets `c.var.zdr` and `c.var.guardrails`, then applies the prompt rules. On a block, `release`
 * (which settles the reservation at zero) runs before the 403 is thrown, and the log keeps the
 * prompt with every match masked.
 */
export function guardChatRoute(
  c: Context<AppEnv>,
  config: GatewayConfig,
  admission: Admission,
  body: ChatRequest,
  inputTokens: number,
  release: () => void,
): RouteGuard {
  c.set('zdr', admission.zdr);
  const report = emptyReport();
  c.set('guardrails', report);
  let rules: ReturnType<typeof selectRules>;
  try {
    rules = selectRules(
      config.guardrails,
      admission.guardrails.team,
      admission.guardrails.key,
      new ScanBudget(config.limits.guardrailScanSteps),
    );
  } catch (error) {
    release(); // a rule the policy names is missing: refused before anything went upstream
    throw error;
  }
  let guard: ChatGuard;
  try {
    guard = guardChat(rules, body, inputTokens, report);
  } catch (error) {
    release();
    if (error instanceof PromptBlocked) c.get('log').requestBody(chatWithTexts(body, error.masked));
    throw error;
  }
  return {
    ...guard,
    cacheControl(control) {
      if (admission.zdr || guard.rewritesResponse) return { ...control, mode: 'skip' };
      return control;
    },
  };
}
