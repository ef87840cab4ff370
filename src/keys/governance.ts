// What a team-admin may change on its team's keys: governance settings only ever tighten. Pure —
// the key's policy before and after, its team's policy and the config's defaults in, the first
// setting the change would loosen out (or undefined). Loosening is for admins.
import { mergeCachePolicies } from '../cache/policy';
import { ownEntry } from '../config/own-entry';
import type { Budget } from '../limits/budget';
import { type KeyPolicy, modelAllowed } from './policy';

/** A key's policy fields that decide what its traffic may do and what is kept of it. */
export type Governed = Pick<
  KeyPolicy,
  'zdr' | 'logBodies' | 'guardrails' | 'models' | 'limits' | 'budget' | 'routing' | 'cache' | 'expiresAt'
>;

/** The config's values for what a key leaves unset. */
export interface GovernanceDefaults {
  rpm?: number;
  tpm?: number;
  cacheTtlSeconds: number;
  semanticCache: boolean;
  /** `cache.semantic.threshold`: the least similarity of a semantic hit. */
  semanticThreshold: number;
}

export interface Loosening {
  /** The request field that loosens, as `param` names it (`zdr`, `limits.rpm`, …). */
  param: string;
  /** Why, in words for the error message. */
  reason: string;
}

/** What a key created with none of these settings has: the baseline a new key is compared with. */
export const FRESH_KEY: Governed = {
  logBodies: false,
  guardrails: null,
  models: null,
  limits: {},
  budget: null,
  routing: null,
  expiresAt: null,
};

/** The first setting `after` loosens compared with `before`, for a key of `team` (null: none). */
export function loosening(
  before: Governed,
  after: Governed,
  team: Governed | null,
  defaults: GovernanceDefaults,
): Loosening | undefined {
  const rule = dropped(before.guardrails, after.guardrails);
  const model = widerModels(before.models, after.models);
  const checks: (Loosening | false)[] = [
    after.zdr !== true &&
      (before.zdr === true || (team?.zdr === true && after.zdr === false)) && {
        param: 'zdr',
        reason: 'zero data retention cannot be turned off (the key or its team has it)',
      },
    after.logBodies &&
      !before.logBodies && {
        param: 'logBodies',
        reason: 'logging request and response bodies cannot be turned on',
      },
    rule !== undefined && {
      param: 'guardrails',
      reason: `guardrail rule '${rule}' cannot be removed from a key`,
    },
    model !== undefined && { param: 'models', reason: `the model allowlist cannot be widened ('${model}')` },
    ...(['rpm', 'tpm'] as const).map(
      (limit) =>
        (after.limits[limit] ?? defaults[limit] ?? Infinity) >
          (before.limits[limit] ?? defaults[limit] ?? Infinity) && {
          param: `limits.${limit}`,
          reason: `the ${limit.toUpperCase()} limit cannot be raised or removed`,
        },
    ),
    budgetLoosening(before.budget, after.budget),
    providersLoosening(before.routing, after.routing),
    pinsLoosening(before, after, team),
    cacheLoosening(team, before, after, defaults),
    before.expiresAt !== null &&
      (after.expiresAt === null || after.expiresAt > before.expiresAt) && {
        param: 'expiresAt',
        reason: 'the expiry cannot be postponed or removed',
      },
  ];
  return checks.find((check): check is Loosening => check !== false);
}

/** A rule the selection named before and no longer does (opt-outs are refused elsewhere). */
function dropped(before: readonly string[] | null | undefined, after: readonly string[] | null | undefined) {
  return (before ?? []).find((entry) => !entry.startsWith('-') && !(after ?? []).includes(entry));
}

/** An entry of the new allowlist the old one does not cover (`null` allows everything). */
function widerModels(before: readonly string[] | null, after: readonly string[] | null) {
  if (before === null) return undefined;
  if (after === null) return '*';
  return after.find((entry) => !modelAllowed(before, entry));
}

function budgetLoosening(before: Budget | null, after: Budget | null): Loosening | false {
  if (before === null) return false;
  if (after === null) return { param: 'budget', reason: 'the budget cannot be removed' };
  if (after.period !== before.period || after.anchor !== before.anchor)
    return { param: 'budget.period', reason: "the budget's period and start cannot be changed" };
  return after.usd > before.usd && { param: 'budget.usd', reason: 'the budget cannot be raised' };
}

/** Provider limits (data residency): allow lists may only shrink, deny lists only grow. */
function providersLoosening(before: Governed['routing'], after: Governed['routing']): Loosening | false {
  const allow = before?.allowProviders;
  if (allow && !after?.allowProviders?.every((provider) => allow.includes(provider)))
    return { param: 'routing.allowProviders', reason: 'providers cannot be added to allowProviders' };
  const deny = before?.denyProviders ?? [];
  if (!deny.every((provider) => after?.denyProviders?.includes(provider)))
    return { param: 'routing.denyProviders', reason: 'providers cannot be removed from denyProviders' };
  return false;
}

/**
 * A pin sends an allowed name to other targets: set by a team-admin, each of its targets must be
 * allowed by the key's and its team's model allowlists, or the pin would reach models they refuse.
 * Pins left as they were are not checked again.
 */
function pinsLoosening(before: Governed, after: Governed, team: Governed | null): Loosening | false {
  const lists = [after.models, team?.models ?? null].filter((list): list is string[] => list !== null);
  if (lists.length === 0) return false;
  for (const [name, route] of Object.entries(after.routing?.pin ?? {})) {
    const was = ownEntry(before.routing?.pin, name);
    if (JSON.stringify(was) === JSON.stringify(route)) continue;
    const targets = [...route.targets, ...(route.rules ?? []).flatMap((rule) => rule.targets)];
    const refused = targets
      // An alias by its name, as allowlists name it (the key may call it directly anyway).
      .map((target) => (target.alias !== undefined ? target.alias : `${target.provider}/${target.model}`))
      .find((model) => !lists.every((list) => modelAllowed(list, model)));
    if (refused) {
      return {
        param: `routing.pin.${name}`,
        reason: `a pin may only send traffic to models the key's and team's allowlists allow ('${refused}')`,
      };
    }
  }
  return false;
}

/**
 * The key's cache policy over its team's (the key's fields win): no turning caching back on, no
 * longer TTL, and no lower semantic threshold — that serves answers to less similar questions,
 * which in a partition shared with other keys are their answers to questions this key did not ask.
 */
function cacheLoosening(
  team: Governed | null,
  before: Governed,
  after: Governed,
  defaults: GovernanceDefaults,
): Loosening | false {
  const was = mergeCachePolicies(team?.cache, before.cache) ?? {};
  const now = mergeCachePolicies(team?.cache, after.cache) ?? {};
  if (was.enabled === false && now.enabled !== false)
    return { param: 'cache.enabled', reason: 'caching cannot be turned back on' };
  if (!(was.semantic ?? defaults.semanticCache) && (now.semantic ?? defaults.semanticCache))
    return { param: 'cache.semantic', reason: 'the semantic cache cannot be turned on' };
  const ttl = (policy: typeof was) => policy.ttlSeconds ?? defaults.cacheTtlSeconds;
  if (ttl(now) > ttl(was))
    return { param: 'cache.ttlSeconds', reason: 'cached answers cannot be kept longer' };
  const threshold = (policy: typeof was) => policy.threshold ?? defaults.semanticThreshold;
  return (
    threshold(now) < threshold(was) && {
      param: 'cache.threshold',
      reason: 'the semantic threshold cannot be lowered',
    }
  );
}
