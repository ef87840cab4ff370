import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { revokeAdminToken } from '../../../src/auth/admin-token-store';
import { admin, call, chat, createKey, type Json, openaiConfig, putConfig } from '../../helpers/gateway';

const hello = { model: 'fast', messages: [{ role: 'user', content: 'hi' }] };

describe('/admin/keys', () => {
  it('creates a key shown once, stored only as its SHA-256 hash', async () => {
    const response = await admin('/admin/keys', 'POST', {
      name: 'ci',
      models: ['fast'],
      limits: { rpm: 10 },
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as Record<string, unknown> & { key: string; id: string };
    expect(created.key).toMatch(/^tg-[A-Za-z0-9_-]{32}$/);
    expect(created).toMatchObject({
      name: 'ci',
      models: ['fast'],
      limits: { rpm: 10, tpm: null },
      revokedAt: null,
    });
    expect(created.prefix).toBe(`${created.key.slice(0, 7)}…`);

    const rows = await env.DB.prepare('SELECT * FROM keys WHERE id = ?').bind(created.id).all();
    const dump = JSON.stringify(rows.results);
    expect(dump).not.toContain(created.key);
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(created.key));
    const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
    expect(rows.results[0]?.key_hash).toBe(hex);

    const read = (await (await admin(`/admin/keys/${created.id}`)).json()) as Record<string, unknown>;
    expect(read.key).toBeUndefined();
    expect(JSON.stringify(read)).not.toContain(created.key);
    expect(read.usage).toMatchObject({
      rpm: { limit: 10, remaining: 10 },
      tpm: null,
      spendUsd: 0,
      budgetUsd: null,
    });
  });

  it('shows live usage after traffic', async () => {
    const { id, key } = await createKey({ limits: { rpm: 5 } });
    expect((await chat(key, hello)).status).toBe(200);
    const read = (await (await admin(`/admin/keys/${id}`)).json()) as {
      usage: { rpm: { remaining: number } };
    };
    expect(read.usage.rpm.remaining).toBe(4);
  });

  it('revokes a key with effect on the very next request', async () => {
    const { id, key } = await createKey();
    expect((await chat(key, hello)).status).toBe(200);
    const deleted = await admin(`/admin/keys/${id}`, 'DELETE');
    expect(deleted.status).toBe(200);
    expect(((await deleted.json()) as { revokedAt: string | null }).revokedAt).not.toBeNull();
    const after = await chat(key, hello);
    expect(after.status).toBe(401);
    expect((await after.json<Json>()).error).toMatchObject({
      code: 'invalid_api_key',
      message: 'This API key has been revoked.',
    });
    expect((await call('/v1/models', { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
  });

  it('applies a PATCH on the next request', async () => {
    const { id, key } = await createKey();
    expect((await chat(key, hello)).status).toBe(200);
    const patched = await admin(`/admin/keys/${id}`, 'PATCH', { models: ['smart'], name: 'renamed' });
    expect(patched.status).toBe(200);
    expect(await patched.json<Json>()).toMatchObject({ name: 'renamed', models: ['smart'] });
    expect((await chat(key, hello)).status).toBe(403);
    expect((await admin(`/admin/keys/${id}`, 'PATCH', { models: null })).status).toBe(200);
    expect((await chat(key, hello)).status).toBe(200);
  });

  it("clears a key's own limits with limits: null, as for a key that never had any (audited)", async () => {
    expect((await putConfig(openaiConfig({ limits: { rpm: 50 } }))).status).toBe(200);
    const { id, key } = await createKey({ limits: { rpm: 1, tpm: 100_000 } });
    expect((await chat(key, hello)).status).toBe(200);
    expect((await chat(key, hello)).status).toBe(429);
    const patched = await admin(`/admin/keys/${id}`, 'PATCH', { limits: null });
    expect(patched.status).toBe(200);
    const body = await patched.json<Json>();
    expect(body.limits).toEqual({ rpm: null, tpm: null });
    // The config's defaults apply, as to a key created without limits.
    const fresh = await (await admin(`/admin/keys/${(await createKey()).id}`)).json<Json>();
    expect(body.usage.rpm.limit).toBe(50);
    expect(fresh.usage.rpm.limit).toBe(50);
    expect(body.usage.tpm).toBeNull();
    expect(fresh.usage.tpm).toBeNull();
    expect((await chat(key, hello)).status).toBe(200);
    const audit = await (await admin(`/admin/audit?targetId=${id}&action=key.update`)).json<Json>();
    expect(audit.data[0].before.limits).toEqual({ rpm: 1, tpm: 100_000 });
    expect(audit.data[0].after.limits).toEqual({});
  });

  it('revokes once: a second DELETE changes, writes and audits nothing', async () => {
    const { id } = await createKey();
    const first = await (await admin(`/admin/keys/${id}`, 'DELETE')).json<Json>();
    const second = await admin(`/admin/keys/${id}`, 'DELETE');
    expect(second.status).toBe(200);
    expect(await second.json<Json>()).toMatchObject({
      revokedAt: first.revokedAt,
      updatedAt: first.updatedAt,
    });
    const audits = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM audit_log WHERE target_id = ? AND action = 'key.revoke'",
    )
      .bind(id)
      .first<{ n: number }>();
    expect(audits?.n).toBe(1);
  });

  it('refuses a PATCH to an expiry already past, as creation does', async () => {
    const { id } = await createKey();
    const response = await admin(`/admin/keys/${id}`, 'PATCH', { expiresAt: '2020-01-01T00:00:00Z' });
    expect(response.status).toBe(400);
    expect((await response.json<Json>()).error.param).toBe('expiresAt');
  });

  it("takes back an expired key's own expiry unchanged (a client echoing what it read)", async () => {
    const expiresAt = new Date(Date.now() + 1000).toISOString();
    const { id } = await createKey({ expiresAt });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const echoed = await admin(`/admin/keys/${id}`, 'PATCH', { name: 'renamed', expiresAt });
    expect(echoed.status).toBe(200);
    expect((await echoed.json<Json>()).name).toBe('renamed');
  });

  it('revokes an admin token once: a second DELETE writes and audits nothing', async () => {
    const made = await (await admin('/admin/tokens', 'POST', { name: 'ops', role: 'viewer' })).json<Json>();
    expect((await admin(`/admin/tokens/${made.id}`, 'DELETE')).status).toBe(200);
    expect((await admin(`/admin/tokens/${made.id}`, 'DELETE')).status).toBe(200);
    const audits = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM audit_log WHERE target_id = ? AND action = 'token.revoke'",
    )
      .bind(made.id)
      .first<{ n: number }>();
    expect(audits?.n).toBe(1);
  });

  it('revokes an admin token in one write only: one of two DELETEs at once revokes (and audits) it', async () => {
    const made = await (await admin('/admin/tokens', 'POST', { name: 'ops', role: 'viewer' })).json<Json>();
    // Both requests read it unrevoked; the store tells which of them revoked it.
    expect(await revokeAdminToken(env.DB, made.id, Date.now())).toBe(true);
    expect(await revokeAdminToken(env.DB, made.id, Date.now())).toBe(false);
  });

  it('checks a name as sent: 1 to 100 characters, not blank, spaces around it counted', async () => {
    for (const [path, body] of [
      ['/admin/keys', {}],
      ['/admin/teams', {}],
      ['/admin/tokens', { role: 'viewer' }],
    ] as const) {
      for (const name of [`${' '.repeat(200)}x`, '   ', '']) {
        const refused = await admin(path, 'POST', { ...body, name });
        expect(refused.status, `${path} ${JSON.stringify(name)}`).toBe(400);
        expect((await refused.json<Json>()).error.param).toBe('name');
      }
    }
    const { id } = await createKey();
    const patched = await admin(`/admin/keys/${id}`, 'PATCH', { name: `x${' '.repeat(100)}` });
    expect(patched.status).toBe(400);
    expect((await admin('/admin/keys', 'POST', { name: ' spaced ' })).status).toBe(201);
  });

  it('refuses to change a revoked key', async () => {
    const { id } = await createKey();
    await admin(`/admin/keys/${id}`, 'DELETE');
    const response = await admin(`/admin/keys/${id}`, 'PATCH', { name: 'x' });
    expect(response.status).toBe(409);
  });

  it('lists keys newest first with cursor paging, hiding revoked ones by default', async () => {
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await createKey({ name: `page-${i}` }));
    await admin(`/admin/keys/${made[0]!.id}`, 'DELETE');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const page = (await (await admin(`/admin/keys${query}`)).json()) as {
        data: { id: string; key?: string }[];
        nextCursor: string | null;
      };
      expect(page.data.length).toBeLessThanOrEqual(2);
      for (const k of page.data) expect(k.key).toBeUndefined();
      seen.push(...page.data.map((k) => k.id));
      cursor = page.nextCursor;
    } while (cursor);
    for (const k of made.slice(1)) expect(seen).toContain(k.id);
    expect(seen).not.toContain(made[0]!.id);
    expect(new Set(seen).size).toBe(seen.length);
    const all = (await (await admin('/admin/keys?includeRevoked=true&limit=200')).json()) as {
      data: { id: string }[];
    };
    expect(all.data.map((k) => k.id)).toContain(made[0]!.id);
  });

  it('lists without usage (no object call per key) on usage=false, and only budgeted keys on budgeted=true', async () => {
    const team = await (await admin('/admin/teams', 'POST', { name: 'listing' })).json<Json>();
    const plain = await createKey({ name: 'plain', team: team.id });
    const budgeted = await createKey({ name: 'capped', team: team.id, budget: { usd: 5, period: 'day' } });
    const list = async (query: string) => {
      const response = await admin(`/admin/keys?team=${team.id}&${query}`);
      expect(response.status, query).toBe(200);
      return (await response.json<Json>()).data as Json[];
    };
    // The default is unchanged: usage and lastUsedAt on every key.
    const full = await list('limit=10');
    expect(full.map((k) => k.id)).toEqual([budgeted.id, plain.id]);
    for (const k of full) expect(k).toHaveProperty('usage.spendUsd', 0);
    const names = await list('usage=false');
    expect(names.map((k) => [k.id, k.name])).toEqual([
      [budgeted.id, 'capped'],
      [plain.id, 'plain'],
    ]);
    for (const k of names) {
      expect(k).not.toHaveProperty('usage');
      expect(k).not.toHaveProperty('lastUsedAt');
      expect(k).toHaveProperty('prefix');
    }
    const capped = await list('budgeted=true');
    expect(capped.map((k) => k.id)).toEqual([budgeted.id]);
    expect(capped[0].usage.budgetUsd).toBe(5);
    // A single read takes usage=false too; a flag other than true/false is a 400 naming it.
    const one = await (await admin(`/admin/keys/${plain.id}?usage=false`)).json<Json>();
    expect([one.name, 'usage' in one]).toEqual(['plain', false]);
    for (const path of [
      '/admin/keys?usage=no',
      '/admin/keys?budgeted=1',
      `/admin/keys/${plain.id}?usage=0`,
    ]) {
      const response = await admin(path);
      expect(response.status, path).toBe(400);
      expect((await response.json<Json>()).error.param).toBe(
        path.includes('budgeted') ? 'budgeted' : 'usage',
      );
    }
  });

  const bad: [string, string, string, unknown, number, string | null][] = [
    ['a missing name', 'POST', '/admin/keys', {}, 400, 'name'],
    ['an unknown field', 'POST', '/admin/keys', { name: 'x', colour: 'red' }, 400, 'colour'],
    ['a negative rpm', 'POST', '/admin/keys', { name: 'x', limits: { rpm: -1 } }, 400, 'limits.rpm'],
    [
      'a past expiry',
      'POST',
      '/admin/keys',
      { name: 'x', expiresAt: '2001-01-01T00:00:00Z' },
      400,
      'expiresAt',
    ],
    ['a malformed expiry', 'POST', '/admin/keys', { name: 'x', expiresAt: 'tomorrow' }, 400, 'expiresAt'],
    ['an unknown id', 'GET', '/admin/keys/key_nope', undefined, 404, 'id'],
    ['a bad cursor', 'GET', '/admin/keys?cursor=%%%', undefined, 400, 'cursor'],
    ['a bad limit', 'GET', '/admin/keys?limit=0', undefined, 400, 'limit'],
  ];
  for (const [name, method, path, body, status, param] of bad) {
    it(`rejects ${name} with ${status}`, async () => {
      const response = await admin(path, method, body);
      expect(response.status).toBe(status);
      const error = (await response.json<Json>()).error;
      expect(error.param).toBe(param);
      expect(error.type).toBe('invalid_request_error');
    });
  }

  it('refuses a reserved name (__proto__, constructor, prototype) wherever a key or team policy names a model or target', async () => {
    const mock = { provider: 'mock', model: 'mock-1' };
    const pin = (route: unknown) => ({ routing: { pin: { fast: route } } });
    const cases: [unknown, string, string][] = [
      // [policy, param, the name refused]
      [
        JSON.parse(`{"routing":{"pin":{"__proto__":{"targets":[${JSON.stringify(mock)}]}}}}`),
        'routing.pin.__proto__',
        '__proto__',
      ],
      [{ routing: { pin: { constructor: { targets: [mock] } } } }, 'routing.pin.constructor', 'constructor'],
      [pin({ targets: [{ alias: 'prototype' }] }), 'routing.pin.fast.targets[0].alias', 'prototype'],
      [
        pin({ targets: [mock, { provider: 'constructor', model: 'm' }] }),
        'routing.pin.fast.targets[1].provider',
        'constructor',
      ],
      [
        pin({
          strategy: 'conditional',
          targets: [mock],
          rules: [{ when: { team: 't' }, targets: [{ alias: '__proto__' }] }],
        }),
        'routing.pin.fast.rules[0].targets[0].alias',
        '__proto__',
      ],
      [
        pin({
          strategy: 'conditional',
          targets: [mock],
          rules: [{ when: { metadata: { constructor: 'a' } }, targets: [mock] }],
        }),
        'routing.pin.fast.rules[0].when.metadata.constructor',
        'constructor',
      ],
      [{ routing: { allowProviders: ['mock', 'constructor'] } }, 'routing.allowProviders[1]', 'constructor'],
      [{ routing: { denyProviders: ['__proto__'] } }, 'routing.denyProviders[0]', '__proto__'],
      [{ models: ['fast', 'constructor'] }, 'models[1]', 'constructor'],
      [{ models: ['prototype/*'] }, 'models[0]', 'prototype'],
      [{ models: ['__proto__/gpt-4o'] }, 'models[0]', '__proto__'],
    ];
    const { id } = await createKey();
    const team = (await (await admin('/admin/teams', 'POST', { name: 't' })).json<Json>()).id as string;
    for (const [policy, param, name] of cases) {
      for (const [method, path] of [
        ['POST', '/admin/keys'],
        ['PATCH', `/admin/keys/${id}`],
        ['POST', '/admin/teams'],
        ['PATCH', `/admin/teams/${team}`],
      ] as const) {
        const response = await admin(path, method, {
          ...(method === 'POST' ? { name: 'x' } : {}),
          ...(policy as object),
        });
        const error = (await response.json<Json>()).error;
        expect({ method, path, status: response.status, param: error?.param }).toEqual({
          method,
          path,
          status: 400,
          param,
        });
        expect(error.type).toBe('invalid_request_error');
        expect(error.message).toContain(`'${name}' is reserved`);
      }
    }
    // A model of that name at a provider is another service's name, not a gateway name: allowed.
    expect((await admin('/admin/keys', 'POST', { name: 'x', models: ['mock/constructor'] })).status).toBe(
      201,
    );
  });

  it('refuses a query parameter a list does not know, on every admin list', async () => {
    for (const path of ['/admin/keys', '/admin/teams', '/admin/tokens', '/admin/audit', '/admin/logs']) {
      const response = await admin(`${path}?includRevoked=true`);
      expect(response.status, path).toBe(400);
      expect((await response.json<Json>()).error).toMatchObject({
        code: 'unknown_parameter',
        param: 'includRevoked',
      });
    }
    expect((await admin('/admin/keys?includeRevoked=true&limit=5')).status).toBe(200);
    // A flag is true or false: `1` or `True` is refused, not quietly taken as false.
    for (const path of ['/admin/keys', '/admin/tokens']) {
      const response = await admin(`${path}?includeRevoked=1`);
      expect(response.status, path).toBe(400);
      expect((await response.json<Json>()).error.param).toBe('includeRevoked');
    }
    // An empty team filter is refused, never read as "every key".
    const empty = await admin('/admin/keys?team=');
    expect(empty.status).toBe(400);
    expect((await empty.json<Json>()).error.param).toBe('team');
  });

  it('refuses a query parameter given twice on every admin list, rather than read only the first', async () => {
    for (const [path, param] of [
      ['/admin/keys?team=team_a&team=team_b', 'team'],
      ['/admin/keys?limit=1&limit=100', 'limit'],
      ['/admin/teams?limit=1&limit=2', 'limit'],
      ['/admin/tokens?includeRevoked=true&includeRevoked=false', 'includeRevoked'],
      ['/admin/audit?targetType=key&targetType=team', 'targetType'],
      ['/admin/logs?model=a&model=b', 'model'],
    ] as const) {
      const response = await admin(path);
      expect([path, response.status]).toEqual([path, 400]);
      expect((await response.json<Json>()).error).toMatchObject({ type: 'invalid_request_error', param });
    }
  });

  it('requires the admin token', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token', 'Bearer test-admin-tokenX']) {
      const response = await call('/admin/keys', { headers: authorization ? { authorization } : {} });
      expect(response.status).toBe(401);
      expect((await response.json<Json>()).error).toMatchObject({
        type: 'authentication_error',
        code: 'invalid_admin_token',
      });
    }
  });

  it('does not accept a gateway key as an admin credential', async () => {
    const { key } = await createKey();
    const response = await call('/admin/keys', { headers: { authorization: `Bearer ${key}` } });
    expect(response.status).toBe(401);
  });
});
