// A rotation whose hand-over fails: while another rotation has moved the key on from its new
// secret, or applied at the old object with every reply lost.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/auth/gateway-key';
import type { Env } from '../../src/env';
import { rotateKey } from '../../src/governance/key-rotation';
import { getKey } from '../../src/keys/store';
import { admin, chat, createKey, type Json } from '../helpers/gateway';
import { settled } from '../helpers/settled';
import { handOverHooked, spentBudgetKey } from './helpers';

const ask = { model: 'fast', messages: [{ role: 'user', content: 'hi' }] };

/**
 * An env whose object `name` runs `before` ahead of its first handOver; `mode` says what every
 * handOver asked of it does: 'fail' throws without applying, 'applied-lost' applies it and then
 * throws (the reply lost).
 */
function hook(name: string, before: () => Promise<void>, mode: 'fail' | 'applied-lost'): Env {
  return handOverHooked(name, async (real, call, args) => {
    if (call === 0) await before();
    if (mode === 'applied-lost') await real(...args);
    throw new Error(`handOver ${mode} (injected)`);
  });
}

describe('a rotation that fails after another moved the key on', () => {
  it('a failed rotation does not revoke the secret a concurrent, successful rotation issued', async () => {
    const key = await createKey();
    const stored = await getKey(env.DB, key.id); // rotation 1's read (secret A)
    let second: Json;
    // Rotation 2 runs between rotation 1's row move (A→B) and its hand-over, which then fails.
    const hooked = hook(
      stored!.hash,
      async () => {
        const response = await admin(`/admin/keys/${key.id}/rotate`, 'POST', { graceSeconds: 60 });
        expect(response.status).toBe(200);
        second = await response.json<Json>();
      },
      'fail',
    );
    await expect(rotateKey(hooked, stored!, 60, Date.now())).rejects.toThrow('injected');
    const row = await getKey(env.DB, key.id);
    expect(row!.hash).toBe(await sha256Hex(second.key)); // the row names rotation 2's secret C
    expect(row!.policy.revokedAt).toBeNull(); // …and says the key is live
    // Rotation 2's secret must work (bug: rotation 1's rollback revoked B, which forwarded to C).
    expect((await chat(second.key, ask)).status).toBe(200);
  });

  it('…and the original secret, rotated away twice, stops working', async () => {
    const key = await createKey();
    const stored = await getKey(env.DB, key.id);
    const hooked = hook(
      stored!.hash,
      async () => {
        expect((await admin(`/admin/keys/${key.id}/rotate`, 'POST', { graceSeconds: 0 })).status).toBe(200);
      },
      'fail',
    );
    await expect(rotateKey(hooked, stored!, 0, Date.now())).rejects.toThrow('injected');
    // A was never handed over (its object never learned of either rotation): it still admits,
    // even after the key is revoked (DELETE tells only the row's current secret's object).
    expect((await admin(`/admin/keys/${key.id}`, 'DELETE')).status).toBe(200);
    expect((await chat(key.key, ask)).status).toBe(401);
  });
});

describe('a rotation whose hand-over was applied but every reply lost', () => {
  it('undoes the old object’s move: the old secret keeps working with its ledger, and the key rotates later', async () => {
    const { key, before, spend } = await spentBudgetKey(ask);
    const stored = await getKey(env.DB, key.id);
    // Both tries reach the old object, which moves; the rotation sees two failures and rolls back.
    const hooked = hook(stored!.hash, async () => {}, 'applied-lost');
    await expect(rotateKey(hooked, stored!, 60, Date.now())).rejects.toThrow('injected');
    expect((await getKey(env.DB, key.id))!.hash).toBe(stored!.hash);
    // Bug: the old object still redirected to the new one, which the rollback revoked (401).
    expect((await chat(key.key, ask)).status).toBe(200);
    await settled();
    expect(await spend()).toBeGreaterThan(before);
    // …and a later rotation is not refused as "already moved elsewhere".
    const rotated = await admin(`/admin/keys/${key.id}/rotate`, 'POST', { graceSeconds: 60 });
    expect(rotated.status).toBe(200);
    const secret = (await rotated.json<Json>()).key as string;
    expect((await chat(secret, ask)).status).toBe(200);
    expect((await chat(key.key, ask)).status).toBe(200); // in its grace period
  });

  it('…and a revocation made meanwhile is in force at the old object when it stops redirecting, in the same call', async () => {
    const key = await createKey();
    const stored = await getKey(env.DB, key.id);
    const target = env.KEYS.idFromName(stored!.hash);
    let handOvers = 0;
    // The old object: its hand-overs applied with every reply lost (a DELETE lands before the first),
    // and a setPolicy of its own failing once the rollback has begun.
    const KEYS = {
      idFromName: (n: string) => env.KEYS.idFromName(n),
      get: (id: DurableObjectId) => {
        const stub = env.KEYS.get(id) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
        if (!id.equals(target)) return stub;
        return new Proxy(stub, {
          get(t, prop: string) {
            if (prop === 'handOver')
              return async (...args: unknown[]) => {
                if (handOvers++ === 0)
                  expect((await admin(`/admin/keys/${key.id}`, 'DELETE')).status).toBe(200);
                await t.handOver!(...args);
                throw new Error('handOver applied-lost (injected)');
              };
            if (prop === 'setPolicy' && handOvers > 0)
              return async () => {
                throw new Error('setPolicy failed (injected)');
              };
            const value = t[prop];
            return typeof value === 'function' ? (...args: unknown[]) => t[prop]!(...args) : value;
          },
        });
      },
    };
    const hooked = { ...env, KEYS } as unknown as Env;
    await expect(rotateKey(hooked, stored!, 60, Date.now())).rejects.toThrow('injected');
    const row = await getKey(env.DB, key.id);
    expect(row!.hash).toBe(stored!.hash);
    expect(row!.policy.revokedAt).not.toBeNull();
    // Bug: the move was undone, then the policy failed to arrive: the revoked key admitted again.
    expect((await chat(key.key, ask)).status).toBe(401);
  });
});
