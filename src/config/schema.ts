// The gateway config (DESIGN.md §4): one zod schema, strict, so a typo is a 400 and not a silently
// ignored setting. Types come from here.
import * as z from 'zod';
import { alertsSchema } from '../alerts/config-schema';
import { cacheConfigSchema, checkCache, defaultCacheConfig } from '../cache/config-schema';
import { SCAN_BUDGET } from '../guardrails/regex/budget';
import { guardrailsSchema } from '../guardrails/schema';
import { isRecord } from '../json-record';
import { FILE_ID_TOKENS } from '../limits/estimate';
import { priceSchema } from '../pricing/prices';
import { providerConfigSchema, writtenProviderSchema } from '../providers/registry';
import { circuitBreakerSchema, retrySchema, routeSchema, timeoutsSchema } from '../routing/config-schema';
import { checkRoutes } from '../routing/validate-routes';
import { checkWildcards } from '../routing/wildcards';
import { checkReservedKeys } from './reserved-keys';

const providerName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'provider names are lowercase letters, digits, "-" and "_"');

// Routes, targets, retry, timeouts and circuit breaker: src/routing/config-schema.ts.
export {
  type ProviderTarget as Target,
  type RouteConfig,
  routeSchema,
  targetSchema,
} from '../routing/config-schema';

const limitsSchema = z.strictObject({
  /** Default per-key limits; a key's own policy overrides them. */
  rpm: z.number().int().positive().optional(),
  tpm: z.number().int().positive().optional(),
  /** Output tokens reserved for a request that sets no max_tokens. */
  defaultMaxTokens: z.number().int().positive().max(1_000_000).default(4096),
  /** Input tokens reserved for each file sent by `file_id`, whose size the gateway cannot see. */
  fileIdTokens: z.number().int().min(0).max(10_000_000).default(FILE_ID_TOKENS),
  /**
   * Send defaultMaxTokens upstream as the output cap of a request that sets none, so that what a
   * budget reserves is all a request can cost (off: such a request may write more, and is charged it).
   */
  enforceMaxTokens: z.boolean().default(false),
  maxBodyBytes: z
    .number()
    .int()
    .min(1024)
    .max(100 * 1024 * 1024)
    .default(8 * 1024 * 1024),
  /** Matcher steps one request's custom guardrail patterns may spend (prompt and answer) before a 413. */
  guardrailScanSteps: z.number().int().min(1_000_000).max(1_000_000_000).default(SCAN_BUDGET),
  /** A budget reservation whose settle never arrives (the isolate died) is released after this. */
  reservationTtlMs: z
    .number()
    .int()
    .min(10_000)
    .max(24 * 3_600_000)
    .default(15 * 60_000),
});

/**
 * POST /v1/responses' stored answers (src/responses-store/): how many days one is kept for
 * `previous_response_id` and GET /v1/responses/{id}; 0 stores none (every answer says store: false).
 */
const responsesConfigSchema = z.strictObject({
  storeDays: z.number().int().min(0).max(365).default(30),
});

export const gatewayConfigSchema = z
  .strictObject({
    providers: z.record(providerName, providerConfigSchema),
    models: z.record(z.string().min(1).max(200), routeSchema).default({}),
    timeouts: timeoutsSchema.default(timeoutsSchema.parse({})),
    retry: retrySchema.default(retrySchema.parse({})),
    circuitBreaker: circuitBreakerSchema.default(circuitBreakerSchema.parse({})),
    limits: limitsSchema.default(limitsSchema.parse({})),
    /** USD per million tokens by `<provider>/<model>` or bare model; overrides the bundled table. */
    pricing: z.record(z.string().min(1), priceSchema).default({}),
    /** Exact and semantic answer caching: src/cache/config-schema.ts. */
    cache: cacheConfigSchema.default(defaultCacheConfig()),
    /** Redaction, block and flag rules for every request (src/guardrails/schema.ts). */
    guardrails: guardrailsSchema.default([]),
    /** Stored Responses answers: how long they are kept, or none. */
    responses: responsesConfigSchema.default(responsesConfigSchema.parse({})),
    /** Budget alerts pushed to a webhook (src/alerts/); none without it. */
    alerts: alertsSchema.optional(),
  })
  // Run even when a provider is malformed, so one PUT lists every problem; not on routes that did
  // not parse themselves (the checks need their shape).
  .superRefine(checkRoutes, { when: routesParsed })
  .superRefine(checkCache);

function routesParsed({ value, issues }: z.core.ParsePayload): boolean {
  const config = value as { providers?: unknown; models?: unknown } | null;
  return (
    isRecord(config) &&
    isRecord(config?.providers) &&
    isRecord(config?.models) &&
    // As zod's own default, but for the routes alone: an aborting issue elsewhere does not stop them.
    issues.every(
      (issue) => issue.path?.[0] !== 'models' || (issue as { continue?: boolean }).continue === true,
    )
  );
}

/**
 * A config as written (PUT /admin/config): gatewayConfigSchema, and rules added after configs were
 * stored without them — not part of gatewayConfigSchema, with which store.ts reads a stored config,
 * so that one written before them still loads. Reserved names are checked first, on the body as
 * sent: parsing drops a `__proto__` entry unseen.
 */
export const writtenConfigSchema = z
  .unknown()
  .superRefine(checkReservedKeys)
  .pipe(gatewayConfigSchema.superRefine(checkWrittenProviders).superRefine(checkWildcards));

function checkWrittenProviders(config: { providers: Record<string, unknown> }, ctx: z.RefinementCtx): void {
  for (const [name, provider] of Object.entries(config.providers)) {
    for (const issue of writtenProviderSchema.safeParse(provider).error?.issues ?? [])
      ctx.addIssue({ ...issue, path: ['providers', name, ...issue.path] });
  }
}

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;
