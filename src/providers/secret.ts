// `apiKey` values: `env:NAME` names a Worker secret (preferred); anything else is a literal.
import * as z from 'zod';
import { type Env, GATEWAY_SECRETS, readSecret } from '../env';
import { UpstreamError } from './types';

export const secretRef = z
  .string()
  .min(1)
  .refine((value) => !isEnvRef(value) || !GATEWAY_SECRETS.has(value.slice(4)), {
    message: "names the gateway's own secret: an env: reference may name any Worker secret but ADMIN_TOKEN",
  });

/** Literal secrets are shown as this on every read of the config. */
export const REDACTED = '[redacted]';

export function isEnvRef(value: string): boolean {
  return value.startsWith('env:');
}

export interface ResolvedSecret {
  value?: string;
  missing?: string;
}

/** `missing` names the secret to set when an `env:` reference is not bound. */
export function resolveSecret(ref: string | undefined, env: Env): ResolvedSecret {
  if (ref === undefined) return {};
  if (!isEnvRef(ref)) return { value: ref };
  const name = ref.slice(4);
  const value = readSecret(env, name);
  return value ? { value } : { missing: name };
}

/** The API key to send (none when the config sets none); an unbound `env:` secret is a config error. */
export function apiKeyFor(provider: string, key: ResolvedSecret): string | undefined {
  if (key.missing) {
    throw new UpstreamError(
      'config',
      0,
      `Provider '${provider}' has no API key: set the Worker secret ${key.missing}.`,
    );
  }
  return key.value;
}
