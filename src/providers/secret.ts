// `apiKey` values: `env:NAME` names a Worker secret (preferred); anything else is a literal.
import { z } from 'zod';
import { type Env, readSecret } from '../env';

export const secretRef = z.string().min(1);

/** Literal secrets are shown as this on every read of the config. */
export const REDACTED = '[redacted]';

export function isEnvRef(value: string): boolean {
  return value.startsWith('env:');
}

/** `missing` names the secret to set when an `env:` reference is not bound. */
export function resolveSecret(ref: string | undefined, env: Env): { value?: string; missing?: string } {
  if (ref === undefined) return {};
  if (!isEnvRef(ref)) return { value: ref };
  const name = ref.slice(4);
  const value = readSecret(env, name);
  return value ? { value } : { missing: name };
}
