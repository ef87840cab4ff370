// What PUT /admin/config and PUT /admin/guardrails share once a config has parsed: the checks made
// only when a config is stored (not when one is read back), storing it, and its audit rows.
import type { Context } from 'hono';
import type { Runtime } from '../../config/runtime';
import { compileRuntime } from '../../config/runtime';
import type { GatewayConfig } from '../../config/schema';
import { storeConfig } from '../../config/store';
import type { AppEnv } from '../../env';
import { invalidRequest } from '../../errors';
import { auditConfigChange } from '../../governance/config-audit';
import { checkRulesStillNamed } from '../../guardrails/rules-in-use';
import { strictPatternIssue } from '../../guardrails/schema';

/**
 * Stores `config` (compiled as `runtime`, when the caller compiled it already for checks of its
 * own) after the store-time checks, audits the change, and returns what is now in force.
 */
export async function storeChecked(
  c: Context<AppEnv>,
  previous: GatewayConfig | undefined,
  config: GatewayConfig,
  options: { runtime?: Runtime; action?: string } = {},
): Promise<Runtime> {
  const pattern = strictPatternIssue(config.guardrails);
  if (pattern) throw invalidRequest(pattern.message, pattern.param);
  await checkRulesStillNamed(c.env.DB, previous, config);
  const runtime = await storeConfig(c.env, config, options.runtime ?? compileRuntime(config, c.env));
  await auditConfigChange(c, previous, runtime.config, options.action);
  return runtime;
}
