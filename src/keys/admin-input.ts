// Admin API input shapes shared by keys and teams, and their conversion to the stored policy.
import * as z from 'zod';
import { cachePolicySchema } from '../cache/policy';
import { guardrailSelectionSchema } from '../guardrails/schema';
import type { Budget } from '../limits/budget';
import type { Usage } from '../limits/key-usage';
import { type KeyPolicy, limitsSchema } from './policy';
import { writtenAllowlist, writtenRouting } from './policy-names';

const isoDate = z.iso.datetime({ offset: true });

export const budgetInput = z.strictObject({
  usd: z.number().positive().max(1_000_000_000),
  period: z.enum(['day', 'week', 'month', 'total']),
  /**
   * Windows start here instead of at calendar boundaries (UTC). null is how a read shows "none", so a
   * budget read and written back (a read-modify-write) is taken as it was shown.
   */
  startsAt: isoDate.nullable().optional(),
  /** Fraction of the budget at which the soft-limit alert is recorded; default 0.8. */
  alertAt: z.number().gt(0).max(1).optional(),
});

export const policyInput = {
  models: writtenAllowlist.nullable().optional(),
  /** null clears the key's (or team's) own limits: a key's then come from the config. */
  limits: limitsSchema.nullable().optional(),
  budget: budgetInput.nullable().optional(),
  routing: writtenRouting.optional(),
  /** Cache opt-out / TTL / semantic opt-in or out / threshold; null clears it. */
  cache: cachePolicySchema.nullable().optional(),
  /** Zero data retention: no bodies in logs and no caching for this traffic. */
  zdr: z.boolean().optional(),
  /** Guardrail rule names to add, or `-name` to opt out; null clears the selection. */
  guardrails: guardrailSelectionSchema.nullable().optional(),
};

const policyPatch = z.object({ name: z.string().optional(), ...policyInput });

/** A PATCH body's fields shared by keys and teams over the stored policy: absent keeps, null clears. */
export function patchPolicy(policy: KeyPolicy, input: z.infer<typeof policyPatch>): KeyPolicy {
  return {
    ...policy,
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.models !== undefined ? { models: input.models } : {}),
    ...(input.limits !== undefined ? { limits: input.limits ?? {} } : {}),
    ...(input.budget !== undefined ? { budget: toBudget(input.budget) } : {}),
    ...(input.routing !== undefined ? { routing: input.routing } : {}),
    ...(input.cache !== undefined ? { cache: input.cache ?? undefined } : {}),
    ...(input.zdr !== undefined ? { zdr: input.zdr } : {}),
    ...(input.guardrails !== undefined ? { guardrails: input.guardrails } : {}),
  };
}

const policyCreate = z.object({ name: z.string(), ...policyInput });

/** A new key's or team's policy from a POST body; `fields` are what only the caller knows. */
export function newPolicy(
  input: z.infer<typeof policyCreate>,
  fields: Pick<KeyPolicy, 'kind' | 'id' | 'teamId' | 'expiresAt' | 'logBodies'>,
): KeyPolicy {
  return {
    ...fields,
    name: input.name,
    models: input.models ?? null,
    limits: input.limits ?? {},
    budget: toBudget(input.budget),
    routing: input.routing ?? null,
    ...(input.cache ? { cache: input.cache } : {}),
    ...(input.zdr !== undefined ? { zdr: input.zdr } : {}),
    ...(input.guardrails ? { guardrails: input.guardrails } : {}),
    revokedAt: null,
  };
}

/** The policy fields keys and teams share, as the admin API shows them. */
export function presentPolicy(p: KeyPolicy) {
  return {
    name: p.name,
    models: p.models,
    limits: { rpm: p.limits.rpm ?? null, tpm: p.limits.tpm ?? null },
    budget: presentBudget(p.budget),
    routing: p.routing,
    cache: p.cache ?? null,
    zdr: p.zdr === true,
    guardrails: p.guardrails ?? null,
  };
}

export function toBudget(input: z.infer<typeof budgetInput> | null | undefined): Budget | null {
  if (!input) return null;
  return {
    usd: input.usd,
    period: input.period,
    anchor: input.startsAt ? Date.parse(input.startsAt) : null,
    alertAt: input.alertAt ?? null,
  };
}

export function presentBudget(budget: Budget | null) {
  if (!budget) return null;
  return {
    usd: budget.usd,
    period: budget.period,
    startsAt: budget.anchor == null ? null : new Date(budget.anchor).toISOString(),
    alertAt: budget.alertAt ?? 0.8,
  };
}

export const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function presentUsage(usage: Usage) {
  return {
    spendUsd: usage.spendUsd,
    reservedUsd: usage.reservedUsd,
    leasedUsd: usage.leasedUsd,
    budgetUsd: usage.budgetUsd,
    periodStart: iso(usage.periodStart),
    periodEnd: iso(usage.periodEnd),
    alert: usage.alert
      ? {
          threshold: usage.alert.threshold,
          crossed: usage.alert.crossedAt !== null,
          crossedAt: iso(usage.alert.crossedAt),
        }
      : null,
    rpm: usage.rpm,
    tpm: usage.tpm,
  };
}
