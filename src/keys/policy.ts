// What a gateway key (or team) is allowed to do: the record its Durable Object enforces.
import { z } from 'zod';

export const limitsSchema = z.strictObject({
  rpm: z.number().int().positive().nullish(),
  tpm: z.number().int().positive().nullish(),
});
export type Limits = z.infer<typeof limitsSchema>;

/**
 * Entries are aliases or `<provider>/<model>` as the client writes them in `model`;
 * `<provider>/*` allows every model of a provider and `*` everything.
 */
export const modelAllowlistSchema = z.array(z.string().min(1).max(200)).max(1000);

export const keyPolicySchema = z.object({
  id: z.string(),
  name: z.string(),
  teamId: z.string().nullable(),
  models: modelAllowlistSchema.nullable(),
  limits: limitsSchema,
  expiresAt: z.number().nullable(),
  logBodies: z.boolean(),
  revokedAt: z.number().nullable(),
});
export type KeyPolicy = z.infer<typeof keyPolicySchema>;

export function modelAllowed(allowlist: readonly string[] | null, model: string): boolean {
  if (allowlist === null) return true;
  for (const entry of allowlist) {
    if (entry === '*' || entry === model) return true;
    if (entry.endsWith('/*') && model.startsWith(entry.slice(0, -1))) return true;
  }
  return false;
}
