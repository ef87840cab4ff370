// What the chat and embeddings routes share in running guardrails: the request's rules (its key's
// and team's selection), and a refusal that settles the reservation and leaves the log only what
// was scanned.
import type { Context } from 'hono';
import type { GatewayConfig } from '../config/schema';
import type { AppEnv } from '../env';
import type { Admission } from '../limits/admission';
import { ScanBudget } from './regex/budget';
import { emptyReport, type GuardrailReport, PromptBlocked } from './report';
import { type CompiledRule, selectRules } from './rules';

/** Sets `c.var.zdr` and `c.var.guardrails`; the rules for this request (refused as `refuse` says). */
export function routeRules(
  c: Context<AppEnv>,
  config: GatewayConfig,
  admission: Admission,
  release: () => void,
): { rules: CompiledRule[]; report: GuardrailReport } {
  c.set('zdr', admission.zdr);
  const report = emptyReport();
  c.set('guardrails', report);
  try {
    const budget = new ScanBudget(config.limits.guardrailScanSteps);
    return {
      rules: selectRules(config.guardrails, admission.guardrails.team, admission.guardrails.key, budget),
      report,
    };
  } catch (error) {
    return refuse(c, release, error, () => undefined);
  }
}

/**
 * A prompt refused by its guardrails (a block, the scan budget, a missing rule): `release` settles
 * the reservation at zero, and the log keeps the prompt with every match masked after a block, or
 * nothing when the prompt could not be scanned in full — never the client's unscanned text.
 */
export function refuse(
  c: Context<AppEnv>,
  release: () => void,
  error: unknown,
  masked: (blocked: PromptBlocked) => unknown,
): never {
  release();
  c.get('log').requestBody(error instanceof PromptBlocked ? masked(error) : undefined);
  throw error;
}
