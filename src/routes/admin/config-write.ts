// What PUT /admin/config and PUT /admin/guardrails share once a config has parsed: the checks made
// only when a config is stored (not when one is read back: among them, that no guardrail rule or
// routing pin a key or team holds is left naming nothing), storing it, and its audit rows.
import type { Context } from 'hono';
import type { Runtime } from '../../config/runtime';
import { compileRuntime } from '../../config/runtime';
import type { GatewayConfig } from '../../config/schema';
import { type ConfigState, configState, storeConfig } from '../../config/store';
import type { AppEnv } from '../../env';
import { invalidRequest } from '../../errors';
import type { AuditAction } from '../../governance/audit';
import { auditConfigChange } from '../../governance/config-audit';
import { checkRulesStillNamed } from '../../guardrails/rules-in-use';
import { strictPatternIssue } from '../../guardrails/schema';
import { checkPinsStillResolve } from '../../keys/pins-in-use';
import { backOff, changedSince, etagMatches, keptChanging, WRITE_ATTEMPTS } from './conditional-write';

/** The ETag of the config (and of its guardrails): the admin copy's revision. */
export const configEtag = (revision: number) => `"config-${revision}"`;

/**
 * A config write, made against the config as it is: `build` sees the current state (read afresh
 * each round) and returns the config to store, or throws to refuse. It is stored only if nothing
 * else was stored meanwhile (else read again and built again, so a guardrails edit never writes
 * back a config that another write has replaced), after the store-time checks; audited. With
 * `If-Match`, only if the config is still the one that ETag names (else 412).
 */
export async function writeConfig(
  c: Context<AppEnv>,
  build: (state: ConfigState) => Promise<Built> | Built,
  action?: AuditAction,
): Promise<Runtime> {
  const ifMatch = c.req.header('if-match');
  for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
    const state = await configState(c.env);
    if (ifMatch !== undefined && !etagMatches(ifMatch, configEtag(state.revision)))
      throw changedSince('config');
    const previous = state.readable ? state.config : undefined;
    const { config, runtime } = await build(state);
    const pattern = strictPatternIssue(config.guardrails);
    if (pattern) throw invalidRequest(pattern.message, pattern.param);
    await checkRulesStillNamed(c.env.DB, previous, config);
    await checkPinsStillResolve(c.env.DB, previous, config);
    const stored = await storeConfig(c.env, config, state, runtime ?? compileRuntime(config, c.env));
    if (!stored) {
      await backOff(attempt);
      continue;
    }
    await auditConfigChange(c, previous, stored.config, action);
    c.header('ETag', configEtag(state.revision + 1));
    return stored;
  }
  throw keptChanging('config');
}

/** A config to store, and its compiled form when the caller compiled it already for checks of its own. */
export interface Built {
  config: GatewayConfig;
  runtime?: Runtime;
}
