// Conditional routing: what a rule may look at on a request, and the first rule that matches.
import type { Condition, Rule } from './config-schema';

/** The facts about a request that routing rules can test; all optional (a missing fact never matches). */
export interface RouteRequest {
  /** The gateway's estimate of the input tokens (see limits/estimate.ts). */
  inputTokens?: number;
  /** Parsed `x-tollgate-metadata` header. */
  metadata?: Readonly<Record<string, string>>;
  /** The id of the key's team. */
  team?: string | null;
}

export function matchesCondition(when: Condition, request: RouteRequest): boolean {
  if (when.inputTokens) {
    const tokens = request.inputTokens;
    if (tokens === undefined) return false;
    const { gt, gte, lt, lte } = when.inputTokens;
    if (gt !== undefined && !(tokens > gt)) return false;
    if (gte !== undefined && !(tokens >= gte)) return false;
    if (lt !== undefined && !(tokens < lt)) return false;
    if (lte !== undefined && !(tokens <= lte)) return false;
  }
  if (when.metadata) {
    for (const [field, expected] of Object.entries(when.metadata)) {
      const value = request.metadata?.[field];
      if (value === undefined || !oneOf(expected, value)) return false;
    }
  }
  if (when.team !== undefined) {
    if (!request.team || !oneOf(when.team, request.team)) return false;
  }
  return true;
}

/**
 * The branches of a conditional route a request of `team` may take, in order: rules whose team
 * condition leaves it out are skipped, and a rule that asks only for its team ends the list (it
 * is always taken before the rest and the default).
 */
export function branchesForTeam(
  rules: readonly Rule[],
  team: string | null,
): { rules: Rule[]; defaultReachable: boolean } {
  const reachable: Rule[] = [];
  for (const rule of rules) {
    const { team: teams, ...others } = rule.when;
    if (teams !== undefined && (!team || !oneOf(teams, team))) continue;
    reachable.push(rule);
    const onlyTeam = teams !== undefined && Object.values(others).every((value) => value === undefined);
    if (onlyTeam) return { rules: reachable, defaultReachable: false };
  }
  return { rules: reachable, defaultReachable: true };
}

export function firstMatchingRule(rules: readonly Rule[], request: RouteRequest): Rule | undefined {
  return rules.find((rule) => matchesCondition(rule.when, request));
}

/** The position of the rule `firstMatchingRule` picks, or -1 when none matches (the route's default). */
export function matchingRuleIndex(rules: readonly Rule[], request: RouteRequest): number {
  return rules.findIndex((rule) => matchesCondition(rule.when, request));
}

function oneOf(expected: string | readonly string[], value: string): boolean {
  return typeof expected === 'string' ? expected === value : expected.includes(value);
}

const MAX_METADATA_FIELDS = 8;

/**
 * The `x-tollgate-metadata` header (`{"user":"u1","feature":"search"}`) as string pairs. Routing is
 * lenient: a malformed header routes as if absent (rejecting bad metadata is the request validator's job).
 */
export function parseMetadataHeader(header: string | null | undefined): Record<string, string> {
  if (!header) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(header);
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  const out: Record<string, string> = {};
  for (const [field, value] of Object.entries(parsed).slice(0, MAX_METADATA_FIELDS)) {
    if (typeof value === 'string') out[field] = value;
  }
  return out;
}
