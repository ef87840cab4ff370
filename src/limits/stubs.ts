// The stubs of the Durable Objects that hold a key's limits and budget, and a team's.
import type { Env } from '../env';
import type { KeyObject } from './key-object';

export type Stub = DurableObjectStub<KeyObject>;

export function keyStub(env: Env, keyHash: string): Stub {
  return env.KEYS.get(env.KEYS.idFromName(keyHash));
}

export function teamStub(env: Env, teamId: string): Stub {
  return env.KEYS.get(env.KEYS.idFromName(`team:${teamId}`));
}
