// The images route's use of guardrails: prompt rules on its prompt — block, flag, redact (nothing
// comes back to restore in an image).
import type { Context } from 'hono';
import type { GatewayConfig } from '../config/schema';
import type { AppEnv } from '../env';
import type { Admission } from '../limits/admission';
import type { ImagesRequest } from '../openai/images-request';
import { applyInputRules } from './guard';
import { refuse, routeRules } from './route-guard';

/**
 * Sets `c.var.zdr` and `c.var.guardrails`; returns the body to send upstream. A refusal settles the
 * reservation and logs only what was scanned (route-guard.ts).
 */
export function guardImagesRoute(
  c: Context<AppEnv>,
  config: GatewayConfig,
  admission: Admission,
  body: ImagesRequest,
  inputTokens: number,
  release: () => void,
): ImagesRequest {
  const { rules, report } = routeRules(c, config, admission, release);
  if (rules.length === 0) return body;
  let applied: ReturnType<typeof applyInputRules>;
  try {
    applied = applyInputRules(
      rules,
      [{ text: body.prompt }],
      { inputTokens, tools: [], responseFormat: undefined },
      report,
    );
  } catch (error) {
    refuse(c, release, error, (blocked) => ({ ...body, prompt: blocked.masked[0]?.[0] ?? body.prompt }));
  }
  const redacted = applied.texts[0]?.[0];
  return redacted === undefined ? body : { ...body, prompt: redacted };
}
