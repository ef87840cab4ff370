import { env } from 'cloudflare:workers';
import type { Context } from 'hono';
import { describe, expect, it, vi } from 'vitest';
import type { AppEnv } from '../../src/env';
import { AUDIT_TRIES, audit, BEFORE_OMITTED, MAX_AUDIT_BYTES, scrub } from '../../src/governance/audit';
import { admin, createKey, type Json, openaiConfig, putConfig } from '../helpers/gateway';
import { adminAs, createTeam, createToken } from './helpers';

const auditOf = async (query = '') =>
  (await (await admin(`/admin/audit${query}`)).json<Json>()).data as Json[];

describe('audit log', () => {
  it('records every admin mutation with who, what, before and after', async () => {
    expect(
      (await putConfig(openaiConfig({ guardrails: [{ name: 'pii', detect: ['email'], action: 'redact' }] })))
        .status,
    ).toBe(200);
    const team = await createTeam('audited');
    await admin(`/admin/teams/${team}`, 'PATCH', { name: 'audited 2' });
    const key = await createKey({ name: 'k', team });
    await admin(`/admin/keys/${key.id}`, 'PATCH', { name: 'k2' });
    await admin(`/admin/keys/${key.id}/rotate`, 'POST', { graceSeconds: 0 });
    await admin(`/admin/keys/${key.id}`, 'DELETE');
    const token = await createToken('team-admin', team);
    await admin(`/admin/tokens/${token.id}`, 'DELETE');
    await admin('/admin/guardrails', 'PUT', [{ name: 'pii', detect: ['email', 'phone'], action: 'redact' }]);

    const rows = await auditOf();
    const actions = rows.map((row) => row.action).reverse();
    expect(actions).toEqual([
      'config.update',
      'guardrails.update',
      'team.create',
      'team.update',
      'key.create',
      'key.update',
      'key.rotate',
      'key.revoke',
      'token.create',
      'token.revoke',
      'guardrails.update',
    ]);
    for (const row of rows) {
      expect(row.actor).toEqual({ id: 'root', name: 'ADMIN_TOKEN', role: 'admin' });
      expect(Date.parse(row.time)).toBeGreaterThan(Date.now() - 60_000);
      expect(row.requestId).toMatch(/^req_/);
    }
    const update = rows.find((row) => row.action === 'key.update');
    expect(update.target).toEqual({ type: 'key', id: key.id });
    expect(update.team).toBe(team);
    expect(update.before.name).toBe('k');
    expect(update.after.name).toBe('k2');
    // Secrets never reach the audit log: not the gateway key, the admin token, nor provider keys.
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(key.key);
    expect(dump).not.toContain(token.token);
    expect(dump).not.toContain('sk-test-secret');
    const config = rows.find((row) => row.action === 'config.update');
    expect(config.after.providers.openai.apiKey).toBe('[redacted]');
    const rules = rows.find((row) => row.action === 'guardrails.update');
    expect(rules.after[0].detect).toEqual(['email', 'phone']);
  });

  it('records a guardrails write that leaves the list as it was: it is a new revision all the same', async () => {
    const rules = [{ name: 'pii', detect: ['email'], action: 'redact' }];
    expect((await admin('/admin/guardrails', 'PUT', rules)).status).toBe(200);
    const before = (await auditOf('?action=guardrails.update')).length;
    const first = await admin('/admin/guardrails');
    expect(await first.json<Json>()).toMatchObject({ data: [{ name: 'pii' }], nextCursor: null });
    const again = await admin('/admin/guardrails', 'PUT', rules);
    expect(again.status).toBe(200);
    expect(again.headers.get('etag')).not.toBe(first.headers.get('etag'));
    expect((await auditOf('?action=guardrails.update')).length).toBe(before + 1);
  });

  it('names the admin token that acted, and filters and pages', async () => {
    const { id, token } = await createToken('admin');
    await adminAs(token, '/admin/teams', 'POST', { name: 'by token' });
    await adminAs(token, '/admin/teams', 'POST', { name: 'by token 2' });
    const mine = await auditOf(`?actor=${id}`);
    expect(mine.map((row) => row.action)).toEqual(['team.create', 'team.create']);
    expect(mine[0].actor).toEqual({ id, name: 'admin token', role: 'admin' });
    expect((await auditOf('?targetType=token')).every((row) => row.target.type === 'token')).toBe(true);
    expect(await auditOf(`?since=${new Date(Date.now() + 60_000).toISOString()}`)).toEqual([]);

    const first = await (await admin(`/admin/audit?actor=${id}&limit=1`)).json<Json>();
    expect(first.data).toHaveLength(1);
    const second = await (
      await admin(`/admin/audit?actor=${id}&limit=1&cursor=${first.nextCursor}`)
    ).json<Json>();
    expect(second.data).toHaveLength(1);
    expect(second.data[0].id).not.toBe(first.data[0].id);
    expect(second.nextCursor).toBeNull();
    expect((await admin('/admin/audit?bogus=1')).status).toBe(400);
    expect((await admin('/admin/audit?targetType=planet')).status).toBe(400);
  });

  it('refuses an unknown action, an empty filter or a repeated one with a 400, not an empty page', async () => {
    const key = await createKey({ name: 'gone' });
    await admin(`/admin/keys/${key.id}`, 'DELETE');
    // DELETE is recorded as key.revoke: a guessed `key.delete` must not read as "no key was deleted".
    for (const [query, param] of [
      ['action=key.delete', 'action'],
      ['action=', 'action'],
      ['actor=', 'actor'],
      ['team=', 'team'],
      ['targetId=', 'targetId'],
      ['action=key.revoke&action=key.create', 'action'],
    ]) {
      const response = await admin(`/admin/audit?${query}`);
      expect([query, response.status]).toEqual([query, 400]);
      expect((await response.json<Json>()).error).toMatchObject({ type: 'invalid_request_error', param });
    }
    const revoked = await auditOf(`?action=key.revoke&targetId=${key.id}`);
    expect(revoked.map((row) => row.action)).toEqual(['key.revoke']);
  });

  it('reads since and until as /admin/logs does, refusing what logs refuse', async () => {
    await createTeam('timed');
    for (const [query, name] of [
      ['since=2026-02-30', 'since'],
      ['until=2026-05-01T25:00:00Z', 'until'],
      ['since=2026-05-01T00:00:00', 'since'], // no zone
      ['since=May%201,%202026', 'since'],
      ['since=2026-05-02&until=2026-05-01', 'since'],
    ]) {
      for (const path of ['/admin/audit', '/admin/logs']) {
        const response = await admin(`${path}?${query}`);
        expect([path, query, response.status]).toEqual([path, query, 400]);
        expect((await response.json<Json>()).error).toMatchObject({
          type: 'invalid_request_error',
          param: name,
        });
      }
    }
    const now = Date.now();
    const day = new Date(now).toISOString().slice(0, 10);
    expect((await auditOf(`?since=${day}`)).length).toBeGreaterThan(0);
    expect(await auditOf(`?until=${day}`)).toEqual([]);
    expect((await auditOf(`?since=${now - 60_000}`)).length).toBeGreaterThan(0);
    const zoned = new Date(now + 60_000).toISOString().replace('Z', '+00:00');
    expect(await auditOf(`?since=${encodeURIComponent(zoned)}`)).toEqual([]);
  });

  it('writes nothing for refused or failed mutations', async () => {
    const before = (await auditOf()).length;
    expect((await admin('/admin/keys', 'POST', { name: '' })).status).toBe(400);
    expect((await admin('/admin/keys/key_nope', 'DELETE')).status).toBe(404);
    const viewer = await createToken('viewer');
    expect((await adminAs(viewer.token, '/admin/teams', 'POST', { name: 'x' })).status).toBe(403);
    expect((await auditOf()).length).toBe(before + 1); // the viewer token's own creation
  });
});

describe('audit writes when D1 fails', () => {
  /** A Hono-like context whose DB fails its first `failures` runs, then passes them to the real one. */
  function contextWith(failures: number) {
    let calls = 0;
    const DB = {
      prepare: (sql: string) => {
        const statement = env.DB.prepare(sql);
        return {
          bind: (...values: unknown[]) => ({
            run: async () => {
              calls++;
              if (calls <= failures) throw new Error('D1_ERROR: Network connection lost.');
              return statement.bind(...values).run();
            },
          }),
        };
      },
    };
    const vars: Record<string, unknown> = { requestId: `req_audit_${failures}` };
    const c = { env: { ...env, DB }, get: (name: string) => vars[name] } as unknown as Context<AppEnv>;
    return { c, calls: () => calls };
  }
  const entry = (id: string) => ({ action: 'key.update' as const, targetType: 'key' as const, targetId: id });

  it('retries a failed write and records the row once', async () => {
    const { c, calls } = contextWith(AUDIT_TRIES - 1);
    await audit(c, entry('key_retried'));
    expect(calls()).toBe(AUDIT_TRIES);
    const rows = await auditOf('?targetId=key_retried');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'key.update', target: { type: 'key', id: 'key_retried' } });
  });

  it("leaves out a 'before' too large to store beside its 'after' (D1 refuses rows over 2 MB)", async () => {
    const { c } = contextWith(0);
    // 3 bytes of UTF-8 a character: 2.1 MB together, over the limit.
    const wide = (mark: string) => ({ mark, text: '漢'.repeat(350_000) });
    await audit(c, { ...entry('key_big'), before: wide('old'), after: wide('new') });
    // 1.4 million ASCII characters: 1.4 MB, kept whole.
    const ascii = (mark: string) => ({ mark, text: 'a'.repeat(700_000) });
    await audit(c, { ...entry('key_ascii'), before: ascii('old'), after: ascii('new') });
    const [row] = await auditOf('?targetId=key_big');
    expect(row).toMatchObject({ before: BEFORE_OMITTED, after: { mark: 'new' } });
    expect(row!.after.text).toHaveLength(350_000);
    expect((await auditOf('?targetId=key_ascii'))[0]).toMatchObject({ before: { mark: 'old' } });
    expect(MAX_AUDIT_BYTES).toBeLessThan(2_000_000);
  });

  it('puts the whole record in the Worker log when D1 stays down, and does not throw', async () => {
    const { c } = contextWith(AUDIT_TRIES);
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await audit(c, entry('key_lost'));
      expect(logged).toHaveBeenCalledTimes(1);
      const line = logged.mock.calls[0]!.map(String).join(' ');
      expect(line).toContain('key.update');
      expect(line).toContain('key_lost');
      expect(line).toContain('req_audit_3');
    } finally {
      logged.mockRestore();
    }
    expect(await auditOf('?targetId=key_lost')).toHaveLength(0);
  });
});

describe('audit records keep the change, not credentials', () => {
  it('drops a credential under a secret field name, and keeps ordinary fields of those names', () => {
    const recorded = scrub({
      key: `tg-${'A'.repeat(32)}`,
      tokenHash: 'a'.repeat(64),
      models: { token: { targets: [{ provider: 'mock', model: 'mock-1' }] } },
      rules: [{ when: { metadata: { key: 'team-a' } } }],
      nested: { secret: `tga-${'b'.repeat(40)}` },
    });
    expect(recorded).toEqual({
      models: { token: { targets: [{ provider: 'mock', model: 'mock-1' }] } },
      rules: [{ when: { metadata: { key: 'team-a' } } }],
      nested: {},
    });
  });
});
