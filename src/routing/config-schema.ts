// The routing sections of the gateway config (DESIGN.md §4): model routes and their targets,
// conditional rules, retry, timeouts and circuit breaker. Cross-route checks live in validate-routes.ts.
import * as z from 'zod';

/** A concrete upstream: a configured provider and the model name it knows. */
export interface ProviderTarget {
  provider: string;
  model: string;
  /** Share of traffic under `loadbalance` (relative; 0 = only when the others fail). */
  weight?: number;
  /** Input + output tokens the model accepts; lets a context-length error move to a larger model. */
  contextWindow?: number;
  alias?: undefined;
}

/** Another model alias, expanded in place (its own strategy applies inside it). */
export interface AliasTarget {
  alias: string;
  weight?: number;
  provider?: undefined;
  model?: undefined;
  contextWindow?: undefined;
}

export type TargetRef = ProviderTarget | AliasTarget;

const targetFields = z.strictObject({
  provider: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  alias: z.string().min(1).max(200).optional(),
  weight: z.number().min(0, 'weight cannot be negative').max(1_000_000).optional(),
  contextWindow: z.number().int().positive().max(100_000_000).optional(),
});

// One flat object checked by hand rather than a union: a union's error is an opaque "Invalid input",
// this names the field that is wrong.
export const targetSchema = targetFields.transform((t, ctx): TargetRef => {
  if (t.alias !== undefined) {
    for (const field of ['provider', 'model', 'contextWindow'] as const) {
      if (t[field] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `a target names either an alias or a provider and model, not both ('${field}' given with 'alias')`,
        });
      }
    }
    return t.weight === undefined ? { alias: t.alias } : { alias: t.alias, weight: t.weight };
  }
  for (const field of ['provider', 'model'] as const) {
    if (t[field] === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [field],
        message: `a target needs '${field}' (or names another model with 'alias')`,
      });
    }
  }
  const { alias: _alias, ...target } = t;
  return target as ProviderTarget;
});

const targetList = z.array(targetSchema).min(1, 'a target list needs at least one target').max(100);

const tokenBound = z.number().int().min(0);
const idList = (what: string) =>
  z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(100)], {
    error: `${what}: a string or a non-empty list of strings`,
  });

/** Every condition given must hold (AND); list several rules for OR. */
export const conditionSchema = z
  .strictObject({
    /** The gateway's estimate of the request's input tokens. */
    inputTokens: z
      .strictObject({ gt: tokenBound, gte: tokenBound, lt: tokenBound, lte: tokenBound })
      .partial()
      .refine((b) => Object.keys(b).length > 0, 'inputTokens needs at least one of gt, gte, lt, lte'),
    /** Fields of the `x-tollgate-metadata` header: each must equal the value (or one of the list). */
    metadata: z
      .record(z.string().min(1).max(64), idList('a metadata value'))
      .refine((m) => Object.keys(m).length > 0 && Object.keys(m).length <= 8, 'metadata needs 1 to 8 fields'),
    /** The id of the key's team (or one of several). */
    team: idList('team'),
  })
  .partial()
  .refine((c) => Object.keys(c).length > 0, 'a rule needs at least one condition in "when"');
export type Condition = z.infer<typeof conditionSchema>;

export const ruleSchema = z.strictObject({
  when: conditionSchema,
  /** Tried in order (nest an alias for another strategy). */
  targets: targetList,
});
export type Rule = z.infer<typeof ruleSchema>;

export const routeSchema = z
  .strictObject({
    strategy: z.enum(['fallback', 'loadbalance', 'conditional']).default('fallback'),
    /** fallback: in order; loadbalance: weighted random, the rest as fallbacks; conditional: the default. */
    targets: targetList,
    /** conditional only: the first rule whose `when` holds picks its targets. */
    rules: z.array(ruleSchema).min(1, 'a conditional route needs at least one rule').max(100).optional(),
  })
  .superRefine((route, ctx) => {
    if (route.strategy === 'conditional' && route.rules === undefined) {
      ctx.addIssue({ code: 'custom', path: ['rules'], message: 'strategy "conditional" needs "rules"' });
    }
    if (route.strategy !== 'conditional' && route.rules !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['rules'],
        message: `"rules" only apply to strategy "conditional", not "${route.strategy}"`,
      });
    }
  });
export type RouteConfig = z.infer<typeof routeSchema>;

export const retrySchema = z
  .strictObject({
    /** Extra tries on the same target after a retryable failure, before moving to the next target. */
    attempts: z.number().int().min(0).max(10).default(2),
    baseDelayMs: z.number().int().min(0).max(60_000).default(100),
    maxDelayMs: z.number().int().min(0).max(300_000).default(2_000),
    /** Upstream statuses retried on the same target (network errors and timeouts always are). */
    onStatus: z.array(z.number().int().min(400).max(599)).max(100).default([429, 500, 502, 503, 504, 529]),
  })
  .refine((r) => r.maxDelayMs >= r.baseDelayMs, {
    path: ['maxDelayMs'],
    message: 'maxDelayMs must be at least baseDelayMs',
  });
export type RetryConfig = z.infer<typeof retrySchema>;

/** How long a started stream may go without an event (the relay's default too). */
export const DEFAULT_STREAM_IDLE_MS = 30_000;
/**
 * How long a started stream may go with nothing written to its client before a keep-alive comment
 * (the relay's default too): under the idle timeouts of common proxies and load balancers (often 30
 * to 60 s), and half the stream idle limit.
 */
export const DEFAULT_STREAM_KEEP_ALIVE_MS = 15_000;

export const timeoutsSchema = z.strictObject({
  /** Per attempt, from sending the request to the last byte of a JSON answer or a stream's first event. */
  requestMs: z.number().int().min(100).max(600_000).default(60_000),
  /** Streams only, per attempt: until the first whole SSE event (not merely a byte or a comment). */
  firstByteMs: z.number().int().min(100).max(600_000).default(15_000),
  /** Streams only, once committed: the longest wait for the next event before the stream is ended. */
  streamIdleMs: z.number().int().min(100).max(600_000).default(DEFAULT_STREAM_IDLE_MS),
  /** Streams only, once committed: the longest the client goes without a byte before a `: keep-alive` comment. */
  streamKeepAliveMs: z.number().int().min(100).max(600_000).default(DEFAULT_STREAM_KEEP_ALIVE_MS),
  /** Streams only, optional: the longest a committed stream may run in all before it is ended. */
  streamMaxMs: z.number().int().min(1_000).max(3_600_000).optional(),
  /** Optional budget for the whole request: every attempt and backoff wait must fit in it. */
  totalMs: z.number().int().min(100).max(3_600_000).optional(),
});
export type TimeoutsConfig = z.infer<typeof timeoutsSchema>;

export const circuitBreakerSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Consecutive failed attempts on one provider+model that open its circuit. */
  failureThreshold: z.number().int().min(1).max(1000).default(5),
  /** How long an open circuit is skipped before one probe request is let through. */
  cooldownMs: z.number().int().min(0).max(3_600_000).default(30_000),
});
export type CircuitBreakerConfig = z.infer<typeof circuitBreakerSchema>;
