// Rows refused before admission are named after their key by a D1 lookup, remembered per hash in
// the isolate, so a client refused over and over costs D1 one read, not one per refusal.
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/auth/gateway-key';
import type { Env } from '../../src/env';
import { deliverLog, forgetKeyNames } from '../../src/logs/sink';
import { createKey } from '../helpers/gateway';
import { logRow } from './helpers';

/** The test Env with a D1 that counts its lookups of keys. */
function countingEnv() {
  let lookups = 0;
  const DB = {
    prepare: (sql: string) => {
      if (/FROM keys/.test(sql)) lookups++;
      return env.DB.prepare(sql);
    },
    batch: (statements: D1PreparedStatement[]) => env.DB.batch(statements),
  } as unknown as D1Database;
  return { env: { ...(env as unknown as Env), DB }, lookups: () => lookups };
}

describe('naming the key of a row refused before admission', () => {
  beforeEach(() => forgetKeyNames());

  it('looks a key up once, however many of its requests are refused', async () => {
    const { id, key } = await createKey();
    const hash = await sha256Hex(key);
    const counted = countingEnv();
    const rows = [1, 2, 3].map((n) =>
      logRow({ id: `refused-${n}`, time: Date.now(), keyId: null, status: 429 }),
    );
    for (const row of rows) await deliverLog(counted.env, row, hash);
    expect(rows.map((row) => row.keyId)).toEqual([id, id, id]);
    expect(counted.lookups()).toBe(1);
  });

  it('remembers that a hash names no key as well', async () => {
    const hash = await sha256Hex(`tg-${'Q'.repeat(32)}`);
    const counted = countingEnv();
    const rows = [1, 2].map((n) =>
      logRow({ id: `unknown-${n}`, time: Date.now(), keyId: null, status: 401 }),
    );
    for (const row of rows) await deliverLog(counted.env, row, hash);
    expect(rows.map((row) => row.keyId)).toEqual([null, null]);
    expect(counted.lookups()).toBe(1);
  });
});
