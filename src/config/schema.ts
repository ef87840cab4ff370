// The gateway config (DESIGN.md §4): one zod schema, strict, so a typo is a 400 and not a silently
// ignored setting. Types come from here.
import { z } from 'zod';
import { providerConfigSchema } from '../providers/registry';

const providerName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'provider names are lowercase letters, digits, "-" and "_"');

export const targetSchema = z.strictObject({
  provider: z.string().min(1),
  model: z.string().min(1),
  weight: z.number().positive().max(1_000_000).optional(),
});
export type Target = z.infer<typeof targetSchema>;

export const routeSchema = z.strictObject({
  strategy: z.enum(['fallback', 'loadbalance']).default('fallback'),
  targets: z.array(targetSchema).min(1, 'a model needs at least one target'),
});
export type RouteConfig = z.infer<typeof routeSchema>;

const timeoutsSchema = z.strictObject({
  /** Per attempt, from sending the request to the last byte of a non-streamed answer. */
  requestMs: z.number().int().min(100).max(600_000).default(60_000),
  /** Per attempt, until the first byte of the answer (headers of a JSON answer, first event of a stream). */
  firstByteMs: z.number().int().min(100).max(600_000).default(15_000),
});

const limitsSchema = z.strictObject({
  /** Default per-key limits; a key's own policy overrides them. */
  rpm: z.number().int().positive().optional(),
  tpm: z.number().int().positive().optional(),
  /** Output tokens reserved for a request that sets no max_tokens. */
  defaultMaxTokens: z.number().int().positive().max(1_000_000).default(4096),
  maxBodyBytes: z
    .number()
    .int()
    .min(1024)
    .max(100 * 1024 * 1024)
    .default(8 * 1024 * 1024),
});

export const gatewayConfigSchema = z
  .strictObject({
    providers: z.record(providerName, providerConfigSchema),
    models: z.record(z.string().min(1).max(200), routeSchema).default({}),
    timeouts: timeoutsSchema.default(timeoutsSchema.parse({})),
    limits: limitsSchema.default(limitsSchema.parse({})),
  })
  .superRefine((config, ctx) => {
    for (const [alias, route] of Object.entries(config.models)) {
      route.targets.forEach((target, index) => {
        if (!(target.provider in config.providers)) {
          ctx.addIssue({
            code: 'custom',
            path: ['models', alias, 'targets', index, 'provider'],
            message: `unknown provider '${target.provider}'`,
          });
        }
      });
    }
  });

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;
