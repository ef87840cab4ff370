// What a gateway key (or team) is allowed to do: the record its Durable Object enforces.
import * as z from 'zod';
import { cachePolicySchema } from '../cache/policy';
import { guardrailSelectionSchema } from '../guardrails/schema';
import { budgetSchema } from '../limits/budget';
import { routingOverrideSchema } from '../routing/overrides';

export const limitsSchema = z.strictObject({
  rpm: z.number().int().positive().nullish(),
  tpm: z.number().int().positive().nullish(),
});
export type Limits = z.infer<typeof limitsSchema>;

/**
 * Entries are aliases or `<provider>/<model>` as the client writes them in `model`; one ending in
 * `*` allows every name starting with what comes before it (`<provider>/*`, `claude-*`; `*`: all),
 * but a prefix without a `/` only names without one after it: `claude-*` is aliases, never the models
 * of a provider that happens to be named `claude-vertex`.
 */
export const modelAllowlistSchema = z.array(z.string().min(1).max(200)).max(1000);

/** Keys and teams share one policy shape and one Durable Object class. */
export const keyPolicySchema = z.object({
  kind: z.enum(['key', 'team']).default('key'),
  id: z.string(),
  name: z.string(),
  teamId: z.string().nullable(),
  models: modelAllowlistSchema.nullable(),
  limits: limitsSchema,
  budget: budgetSchema.nullable().default(null),
  /** Pins and provider allow/deny lists for this key's (or team's) traffic. */
  routing: routingOverrideSchema.nullable().default(null),
  expiresAt: z.number().nullable(),
  logBodies: z.boolean(),
  revokedAt: z.number().nullable(),
  /** Cache opt-out, TTL, semantic opt-in/out and threshold (src/cache/policy.ts); absent: the config's. */
  cache: cachePolicySchema.optional(),
  /** Zero data retention: no bodies in logs and no caching for this key's (or team's) traffic. */
  zdr: z.boolean().optional(),
  /** Guardrail rules to add by name, or `-name` to opt out (src/guardrails/rules.ts). */
  guardrails: guardrailSelectionSchema.nullish(),
});
export type KeyPolicy = z.output<typeof keyPolicySchema>;
export type KeyPolicyInput = z.input<typeof keyPolicySchema>;

/** Why a key (or team) with this policy can no longer be used at `now`, if it cannot. */
export function endReason(policy: Pick<KeyPolicy, 'revokedAt' | 'expiresAt'>, now: number) {
  if (policy.revokedAt !== null && policy.revokedAt <= now) return 'revoked' as const;
  if (policy.expiresAt !== null && policy.expiresAt <= now) return 'expired' as const;
  return undefined;
}

export function modelAllowed(allowlist: readonly string[] | null, model: string): boolean {
  if (allowlist === null) return true;
  for (const entry of allowlist) {
    if (entry === model || entry === '*') return true;
    const prefix = entry.endsWith('*') ? entry.slice(0, -1) : undefined;
    if (
      prefix !== undefined &&
      model.startsWith(prefix) &&
      (prefix.includes('/') || !model.includes('/', prefix.length))
    )
      return true;
  }
  return false;
}
