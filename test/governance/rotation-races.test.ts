// Rotations racing each other, hand-overs whose reply is lost, and admin changes when the key's
// object cannot be told.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/auth/gateway-key';
import type { Env } from '../../src/env';
import { rotateKey } from '../../src/governance/key-rotation';
import { getKey } from '../../src/keys/store';
import { KeyObject } from '../../src/limits/key-object';
import { ADMIN_TOKEN, admin, call, chat, createKey, type Json } from '../helpers/gateway';
import { settled } from '../helpers/settled';
import { handOverHooked, pricedMock, spentBudgetKey } from './helpers';

const ask = { model: 'fast', messages: [{ role: 'user', content: 'hi' }] };

/**
 * An env whose key objects run `before` ahead of the first handOver asked of the object named
 * `name` (and then, when `fail` is set, throw instead of handing over; 'always': every later one too).
 */
function hookHandOver(
  name: string,
  before: () => Promise<void>,
  fail: false | 'before' | 'after' | 'always' | true = false,
): Env {
  return handOverHooked(name, async (real, call, args) => {
    if (call > 0) {
      if (fail === 'always') throw new Error('handOver failed again (injected)');
      return real(...args);
    }
    await before();
    if (fail === 'after') {
      await real(...args);
      throw new Error('handOver applied, reply lost (injected)');
    }
    if (fail) throw new Error('handOver failed (injected)');
    return real(...args);
  });
}

describe('rotation races', () => {
  it('a second rotation that starts after the first moved the row keeps the budget ledger', async () => {
    const { key, before, spend } = await spentBudgetKey(ask);

    const stored = await getKey(env.DB, key.id); // rotation A's read
    let second: Json;
    // Rotation B runs between A's row move and A's hand-over (an admin clicking twice, a script
    // and a person): B reads the row A just moved, so B is not refused.
    const hooked = hookHandOver(stored!.hash, async () => {
      const response = await admin(`/admin/keys/${key.id}/rotate`, 'POST', { graceSeconds: 60 });
      expect(response.status).toBe(200);
      second = await response.json<Json>();
    });
    await rotateKey(hooked, stored!, 60, Date.now());

    // The key's spend must survive both rotations.
    expect(await spend()).toBeCloseTo(before, 10);
    expect((await chat(second.key, ask)).status).toBe(200);
  });

  it('…so a key over its budget is admitted again after the two rotations', async () => {
    await pricedMock();
    const small = { ...ask, max_tokens: 1 };
    const key = await createKey({ budget: { usd: 0.02, period: 'month' } });
    // Spend the budget: requests until the cap refuses one.
    let refused = false;
    for (let i = 0; i < 20 && !refused; i++) {
      refused = (await chat(key.key, small)).status === 402;
      await settled();
    }
    expect(refused).toBe(true); // the cap holds

    const stored = await getKey(env.DB, key.id);
    let second: Json;
    const hooked = hookHandOver(stored!.hash, async () => {
      second = await (await admin(`/admin/keys/${key.id}/rotate`, 'POST', { graceSeconds: 60 })).json<Json>();
    });
    await rotateKey(hooked, stored!, 60, Date.now());
    expect((await chat(second.key, small)).status).toBe(402);
  });
});

/** Runs `meanwhile` once, just before the first row move (`SET key_hash`) of `run` reaches D1. */
async function beforeRowMove<T>(meanwhile: () => Promise<void>, run: () => Promise<T>): Promise<T> {
  const proto = Object.getPrototypeOf(env.DB);
  const prepare = proto.prepare;
  let pending = true;
  proto.prepare = function (this: D1Database, sql: string) {
    const statement: D1PreparedStatement = prepare.call(this, sql);
    if (!pending || !sql.includes('SET key_hash')) return statement;
    pending = false;
    return {
      bind: (...values: unknown[]) => {
        const bound = statement.bind(...values);
        return {
          first: async () => {
            await meanwhile();
            return bound.first();
          },
        };
      },
    };
  };
  try {
    return await run();
  } finally {
    proto.prepare = prepare;
  }
}

describe('a rotation racing a PATCH through the API', () => {
  const patch = (id: string, name: string) => async () => {
    expect((await admin(`/admin/keys/${id}`, 'PATCH', { name })).status).toBe(200);
  };

  it('reads the key again and rotates it as the PATCH left it, answering with its ETag', async () => {
    const key = await createKey();
    const response = await beforeRowMove(patch(key.id, 'renamed'), () =>
      admin(`/admin/keys/${key.id}/rotate`, 'POST', { graceSeconds: 0 }),
    );
    expect(response.status).toBe(200);
    const rotated = await response.json<Json>();
    expect(rotated.name).toBe('renamed');
    const read = await admin(`/admin/keys/${key.id}`);
    expect(response.headers.get('etag')).toBe(read.headers.get('etag'));
    const row = await read.json<Json>();
    expect(row).toMatchObject({ name: 'renamed', prefix: rotated.prefix, updatedAt: rotated.updatedAt });
    expect((await chat(rotated.key, ask)).status).toBe(200);
    expect((await chat(key.key, ask)).status).toBe(401);
  });

  it('with If-Match, refuses (412) once the PATCH has landed, rotating nothing', async () => {
    const key = await createKey();
    const etag = (await admin(`/admin/keys/${key.id}`)).headers.get('etag')!;
    const response = await beforeRowMove(patch(key.id, 'renamed'), () =>
      call(`/admin/keys/${key.id}/rotate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'if-match': etag },
      }),
    );
    expect(response.status).toBe(412);
    expect((await response.json<Json>()).error.code).toBe('precondition_failed');
    expect((await getKey(env.DB, key.id))!.hash).toBe(await sha256Hex(key.key));
    expect((await chat(key.key, ask)).status).toBe(200);
  });
});

describe('rotation hand-overs', () => {
  it('asks the old object again when its reply is lost, and the key keeps its ledger and secret', async () => {
    const { key, before, spend } = await spentBudgetKey(ask);
    const stored = await getKey(env.DB, key.id);
    const hooked = hookHandOver(stored!.hash, async () => {}, 'after');
    const rotated = await rotateKey(hooked, stored!, 60, Date.now());
    expect((await chat(rotated!.secret, ask)).status).toBe(200);
    await settled();
    expect(await spend()).toBeGreaterThan(before);
  });
});

describe('a rotation that cannot hand over', () => {
  it('moves the row back, and the old object takes a revocation made meanwhile', async () => {
    const key = await createKey();
    const stored = await getKey(env.DB, key.id); // the rotation's read
    // The DELETE lands after the rotation moved the row (so it reaches the new object); then
    // every hand-over fails and the row goes back to the old secret.
    const hooked = hookHandOver(
      stored!.hash,
      async () => {
        expect((await admin(`/admin/keys/${key.id}`, 'DELETE')).status).toBe(200);
      },
      'always',
    );
    await expect(rotateKey(hooked, stored!, 60, Date.now())).rejects.toThrow('injected');
    const row = await getKey(env.DB, key.id);
    expect(row!.hash).toBe(await sha256Hex(key.key));
    expect(row!.policy.revokedAt).not.toBeNull();
    expect((await chat(key.key, ask)).status).toBe(401);
  });
});

describe('admin changes when the key object cannot be told', () => {
  /** Makes every setPolicy on the object named `name` throw while `run` runs. */
  async function unreachable<T>(name: string, run: () => Promise<T>): Promise<T> {
    const target = env.KEYS.idFromName(name);
    const original = KeyObject.prototype.setPolicy;
    KeyObject.prototype.setPolicy = async function (this: KeyObject, ...args) {
      // biome-ignore lint/suspicious/noExplicitAny: ctx is protected
      if ((this as any).ctx.id.equals(target)) throw new Error('Durable Object overloaded (injected)');
      return original.apply(this, args);
    };
    try {
      return await run();
    } finally {
      KeyObject.prototype.setPolicy = original;
    }
  }

  it('a DELETE changes nothing it cannot put in force: 503, then the retry revokes', async () => {
    const key = await createKey();
    const refused = await unreachable(await sha256Hex(key.key), () =>
      admin(`/admin/keys/${key.id}`, 'DELETE'),
    );
    expect(refused.status).toBe(503);
    expect((await refused.json<Json>()).error.code).toBe('limits_unavailable');
    // Nothing stored, nothing audited, and the key works as the row says.
    expect((await (await admin(`/admin/keys/${key.id}`)).json<Json>()).revokedAt).toBeNull();
    expect((await chat(key.key, ask)).status).toBe(200);
    expect((await admin(`/admin/keys/${key.id}`, 'DELETE')).status).toBe(200);
    expect((await chat(key.key, ask)).status).toBe(401);
  });

  it('a PATCH is stored and audited, answers 503 that it is not in force, and the retry puts it in force', async () => {
    const key = await createKey();
    const refused = await unreachable(await sha256Hex(key.key), () =>
      admin(`/admin/keys/${key.id}`, 'PATCH', { models: ['smart'] }),
    );
    expect(refused.status).toBe(503);
    expect((await refused.json<Json>()).error.message).toContain('send the request again');
    expect((await (await admin(`/admin/keys/${key.id}`)).json<Json>()).models).toEqual(['smart']);
    const audit = await (await admin(`/admin/audit?targetId=${key.id}&action=key.update`)).json<Json>();
    expect(audit.data).toHaveLength(1);
    expect((await chat(key.key, ask)).status).toBe(200); // not in force yet: `fast` still allowed
    expect((await admin(`/admin/keys/${key.id}`, 'PATCH', { models: ['smart'] })).status).toBe(200);
    expect((await chat(key.key, ask)).status).toBe(403);
  });

  it('a rotation whose old object never hands over answers 503, the key keeping its secret, and the retry rotates', async () => {
    const key = await createKey();
    const target = env.KEYS.idFromName(await sha256Hex(key.key));
    const original = KeyObject.prototype.handOver;
    KeyObject.prototype.handOver = async function (this: KeyObject, ...args) {
      // biome-ignore lint/suspicious/noExplicitAny: ctx is protected
      if ((this as any).ctx.id.equals(target)) throw new Error('Durable Object reset (injected)');
      return original.apply(this, args);
    };
    let refused: Response;
    try {
      refused = await admin(`/admin/keys/${key.id}/rotate`, 'POST', {});
    } finally {
      KeyObject.prototype.handOver = original;
    }
    expect(refused.status).toBe(503);
    const error = (await refused.json<Json>()).error;
    expect(error).toMatchObject({ type: 'api_error', code: 'limits_unavailable' });
    expect(error.message).not.toContain('injected');
    expect((await chat(key.key, ask)).status).toBe(200);
    const rotated = await admin(`/admin/keys/${key.id}/rotate`, 'POST', {});
    expect(rotated.status).toBe(200);
    expect((await chat((await rotated.json<Json>()).key as string, ask)).status).toBe(200);
  });
});

describe('a revocation whose record cannot be written', () => {
  it('is in force, says so (503), and a later PATCH is refused as for any revoked key, the row brought in line', async () => {
    const key = await createKey();
    const proto = Object.getPrototypeOf(env.DB);
    const prepare = proto.prepare;
    proto.prepare = function (this: D1Database, sql: string) {
      if (sql.includes('UPDATE keys SET name')) throw new Error('D1 unavailable (injected)');
      return prepare.call(this, sql);
    };
    let deleted: Response;
    try {
      deleted = await admin(`/admin/keys/${key.id}`, 'DELETE');
    } finally {
      proto.prepare = prepare;
    }
    expect(deleted.status).toBe(503);
    expect((await deleted.json<Json>()).error.message).toContain('send the DELETE again');
    expect((await chat(key.key, ask)).status).toBe(401); // in force
    const patched = await admin(`/admin/keys/${key.id}`, 'PATCH', { name: 'renamed' });
    expect(patched.status).toBe(409);
    expect((await patched.json<Json>()).error.code).toBe('key_revoked');
    const row = await (await admin(`/admin/keys/${key.id}`)).json<Json>();
    expect(row.revokedAt).not.toBeNull();
    // The refused PATCH stored nothing and audited nothing; the revocation it found is audited.
    expect(row.name).toBe('test key');
    const audited = await (await admin(`/admin/audit?targetId=${key.id}`)).json<Json>();
    expect(audited.data.map((entry: Json) => entry.action)).toEqual(['key.revoke', 'key.create']);
  });
});
