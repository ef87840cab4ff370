// The chat route's use of guardrails: select the rules for the admitted key and team, run them on
// the prompt, and expose what happened on the request context for the cache and the log.
import type { Context } from 'hono';
import type { CacheControl } from '../cache/control';
import type { GatewayConfig } from '../config/schema';
import type { AppEnv } from '../env';
import type { Admission } from '../limits/admission';
import type { ChatRequest } from '../openai/schemas';
import { type ChatGuard, chatWithTexts, guardChat } from './guard';
import { refuse, routeRules } from './route-guard';

export interface RouteGuard extends ChatGuard {
  /** The cache controls to use: skip for zero-retention traffic and for rewritten responses. */
  cacheControl(control: CacheControl): CacheControl;
}

/**
 * Sets `c.var.zdr` and `c.var.guardrails`, then applies the prompt rules. A refusal settles the
 * reservation (`release`) and logs only what was scanned (route-guard.ts).
 */
export function guardChatRoute(
  c: Context<AppEnv>,
  config: GatewayConfig,
  admission: Admission,
  body: ChatRequest,
  inputTokens: number,
  release: () => void,
): RouteGuard {
  const { rules, report } = routeRules(c, config, admission, release);
  let guard: ChatGuard;
  try {
    guard = guardChat(rules, body, inputTokens, report);
  } catch (error) {
    refuse(c, release, error, (blocked) => chatWithTexts(body, blocked.masked));
  }
  return {
    ...guard,
    cacheControl(control) {
      if (admission.zdr || guard.rewritesResponse) return { ...control, mode: 'skip' };
      return control;
    },
  };
}
