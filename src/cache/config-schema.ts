// The `cache` section of the gateway config (DESIGN.md §4) and its cross-section checks.
import * as z from 'zod';

const DAY = 86_400;
const ttl = z
  .number()
  .int()
  .min(1)
  .max(365 * DAY);
const idList = z.array(z.string().min(1).max(100)).max(10_000).default([]);

const exactSchema = z.strictObject({
  /** KV cache of identical requests. Off by default: replaying answers is an operator's choice. */
  enabled: z.boolean().default(false),
  /** Lifetime of a stored answer unless the key's policy or `x-tollgate-cache-ttl` says otherwise. */
  ttlSeconds: ttl.default(3600),
});

const semanticSchema = z.strictObject({
  /** Off by default: a semantic hit answers a differently worded question with a stored answer. */
  enabled: z.boolean().default(false),
  /** Least cosine similarity of the final user turns for a hit. */
  threshold: z.number().gt(0).max(1).default(0.95),
  /**
   * Who computes embeddings. Omitted or `provider: "workers-ai"`: the `AI` binding with `model`
   * (default `@cf/baai/bge-base-en-v1.5`). Otherwise a configured provider's `/embeddings`.
   */
  embedding: z.strictObject({ provider: z.string().min(1), model: z.string().min(1).optional() }).optional(),
  /**
   * Vectors kept per partition by the Durable Object index (least recently used evicted first),
   * and never more than fit in its memory bound (index-object.ts MAX_INDEX_FLOATS).
   */
  maxEntries: z.number().int().min(1).max(100_000).default(1000),
});

/** A group of keys and teams that share cached answers (otherwise each team, or teamless key, is alone). */
const namespaceSchema = z.strictObject({ keys: idList, teams: idList });

export const cacheConfigSchema = z.strictObject({
  exact: exactSchema.default(exactSchema.parse({})),
  semantic: semanticSchema.default(semanticSchema.parse({})),
  /** The largest TTL a client may ask for with `x-tollgate-cache-ttl`. */
  maxTtlSeconds: ttl.default(30 * DAY),
  /**
   * Requests that set a `temperature` above this (and no `seed`) are neither read from nor
   * written to the cache: the client asked for varied answers. 2 caches every temperature.
   */
  maxTemperature: z.number().min(0).max(2).default(0),
  /** Answers that call tools are cached only when this is on. */
  toolCalls: z.boolean().default(false),
  /**
   * The longest a lookup (KV read; embedding and index query for the semantic cache) may hold a
   * request up; a slower one counts as a miss, so a degraded store cannot stall every request.
   */
  lookupTimeoutMs: z.number().int().min(10).max(60_000).default(1000),
  namespaces: z
    .record(
      z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'namespace names are letters, digits, "_", "." and "-"'),
      namespaceSchema,
    )
    .default({}),
});

export type CacheConfig = z.output<typeof cacheConfigSchema>;

export const defaultCacheConfig = (): CacheConfig => cacheConfigSchema.parse({});

/** Workers AI's name in `semantic.embedding.provider`; any other name must be a configured provider. */
export const WORKERS_AI = 'workers-ai';

/** Checks that need the rest of the config: the embedding provider exists, no key is in two namespaces. */
export function checkCache(
  config: { providers: Record<string, unknown>; cache: CacheConfig },
  ctx: z.RefinementCtx,
): void {
  const provider = config.cache.semantic.embedding?.provider;
  if (provider !== undefined && provider !== WORKERS_AI && !Object.hasOwn(config.providers, provider)) {
    ctx.addIssue({
      code: 'custom',
      path: ['cache', 'semantic', 'embedding', 'provider'],
      message: `unknown provider '${provider}' (use a configured provider or '${WORKERS_AI}')`,
    });
  }
  for (const field of ['keys', 'teams'] as const) {
    const seen = new Map<string, string>();
    for (const [name, group] of Object.entries(config.cache.namespaces)) {
      group[field].forEach((id, index) => {
        const other = seen.get(id);
        if (other !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['cache', 'namespaces', name, field, index],
            message: `'${id}' is already in cache namespace '${other}'; it can be in only one`,
          });
        }
        seen.set(id, name);
      });
    }
  }
}
