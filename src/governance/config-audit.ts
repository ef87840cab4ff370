// Audit rows for a config change: the whole config (secrets redacted), and a guardrails row of its
// own when the rules changed, so `GET /admin/audit?targetType=guardrails` finds every rule change.
import type { Context } from 'hono';
import { redactConfig } from '../config/redact';
import type { GatewayConfig } from '../config/schema';
import type { AppEnv } from '../env';
import { type AuditAction, audit } from './audit';

/** `before` is undefined when it replaced a stored config this version could not read. */
export async function auditConfigChange(
  c: Context<AppEnv>,
  before: GatewayConfig | undefined,
  after: GatewayConfig,
  action: AuditAction = 'config.update',
): Promise<void> {
  if (action === 'config.update')
    await audit(c, {
      action,
      targetType: 'config',
      before: before ? redactConfig(before) : null,
      after: redactConfig(after),
    });
  // A guardrails write is recorded even when the list is the same: it is a new revision (ETag).
  const guardrailsWrite = action === 'guardrails.update';
  if (guardrailsWrite || JSON.stringify(before?.guardrails ?? null) !== JSON.stringify(after.guardrails))
    await audit(c, {
      action: 'guardrails.update',
      targetType: 'guardrails',
      before: before?.guardrails ?? null,
      after: after.guardrails,
    });
}
