// Audit rows for a config change: the whole config (secrets redacted), and a guardrails row of its
// own when the rules changed, so `GET /admin/audit?targetType=guardrails` finds every rule change.
import type { Context } from 'hono';
import { redactConfig } from '../config/redact';
import type { GatewayConfig } from '../config/schema';
import type { AppEnv } from '../env';
import { audit } from './audit';

export async function auditConfigChange(
  c: Context<AppEnv>,
  before: GatewayConfig,
  after: GatewayConfig,
  action = 'config.update',
): Promise<void> {
  if (action === 'config.update')
    await audit(c, {
      action,
      targetType: 'config',
      before: redactConfig(before),
      after: redactConfig(after),
    });
  if (JSON.stringify(before.guardrails) !== JSON.stringify(after.guardrails))
    await audit(c, {
      action: 'guardrails.update',
      targetType: 'guardrails',
      before: before.guardrails,
      after: after.guardrails,
    });
}
