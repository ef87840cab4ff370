import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, admin, chat, createKey, type Json } from '../helpers/gateway';
import { expectOpenAIShape } from '../helpers/openapi';
import { waitForRows } from '../logs/helpers';
import { adminAs, createTeam, createToken } from './helpers';

async function world() {
  const teamA = await createTeam('team a');
  const teamB = await createTeam('team b');
  const keyA = await createKey({ name: 'a key', team: teamA });
  const keyB = await createKey({ name: 'b key', team: teamB });
  const tokens = {
    root: ADMIN_TOKEN,
    admin: (await createToken('admin')).token,
    teamAdminA: (await createToken('team-admin', teamA)).token,
    teamAdminB: (await createToken('team-admin', teamB)).token,
    viewer: (await createToken('viewer')).token,
  };
  return { teamA, teamB, keyA, keyB, tokens };
}

type Who = 'root' | 'admin' | 'teamAdminA' | 'teamAdminB' | 'viewer';
const everyone: Who[] = ['root', 'admin', 'teamAdminA', 'teamAdminB', 'viewer'];

describe('admin roles', () => {
  it('allows each role exactly its endpoints (the isolation matrix)', async () => {
    const w = await world();
    // [method, path, body, who may] — everyone else gets 403 insufficient_role (or 404 when the
    // resource is another team's, so that its existence does not leak).
    const matrix: [string, string, unknown, Who[], Who[]?][] = [
      ['GET', '/admin/config', undefined, ['root', 'admin']],
      ['GET', '/admin/guardrails', undefined, ['root', 'admin']],
      ['GET', '/admin/tokens', undefined, ['root', 'admin']],
      ['GET', '/admin/audit', undefined, ['root', 'admin']],
      ['GET', '/admin/teams', undefined, ['root', 'admin']],
      ['GET', `/admin/teams/${w.teamA}`, undefined, ['root', 'admin', 'teamAdminA']],
      ['PATCH', `/admin/teams/${w.teamA}`, { name: 'team a' }, ['root', 'admin']],
      ['GET', '/admin/keys', undefined, ['root', 'admin', 'teamAdminA', 'teamAdminB']],
      ['GET', `/admin/keys/${w.keyA.id}`, undefined, ['root', 'admin', 'teamAdminA'], ['teamAdminB']],
      [
        'PATCH',
        `/admin/keys/${w.keyA.id}`,
        { name: 'a key' },
        ['root', 'admin', 'teamAdminA'],
        ['teamAdminB'],
      ],
      ['GET', '/admin/logs', undefined, everyone],
      ['GET', '/admin/analytics', undefined, everyone],
      ['POST', '/admin/tokens', { name: 'x', role: 'viewer' }, ['root', 'admin']],
    ];
    for (const [method, path, body, allowed, hidden = []] of matrix) {
      for (const who of everyone) {
        const response = await adminAs(w.tokens[who], path, method, body);
        const label = `${who} ${method} ${path}`;
        if (allowed.includes(who)) expect(response.status, label).toBeLessThan(300);
        else if (hidden.includes(who)) expect(response.status, label).toBe(404);
        else {
          expect(response.status, label).toBe(403);
          const error = await response.json<Json>();
          expectOpenAIShape('ErrorResponse', error);
          expect(error.error, label).toMatchObject({ type: 'permission_error', code: 'insufficient_role' });
          // Refusals are admin answers too: never kept by a browser or a proxy.
          expect(response.headers.get('cache-control'), label).toBe('no-store');
        }
      }
    }
  });

  it('lets a team-admin manage only its own team’s keys', async () => {
    const w = await world();
    const asA = (path: string, method = 'GET', body?: unknown) =>
      adminAs(w.tokens.teamAdminA, path, method, body);

    const listed = await (await asA('/admin/keys')).json<Json>();
    expect(listed.data.map((k: Json) => k.id)).toEqual([w.keyA.id]);
    expect((await asA(`/admin/keys?team=${w.teamB}`)).status).toBe(403);

    const created = await asA('/admin/keys', 'POST', { name: 'made by a' });
    expect(created.status).toBe(201);
    expect((await created.json<Json>()).team).toBe(w.teamA);
    expect((await asA('/admin/keys', 'POST', { name: 'x', team: w.teamB })).status).toBe(403);
    expect((await asA('/admin/keys', 'POST', { name: 'x', team: null })).status).toBe(403);
    expect((await asA(`/admin/keys/${w.keyA.id}`, 'PATCH', { team: w.teamB })).status).toBe(403);
    expect((await asA(`/admin/keys/${w.keyB.id}`, 'DELETE')).status).toBe(404);
    expect((await asA(`/admin/keys/${w.keyB.id}/rotate`, 'POST')).status).toBe(404);
    expect((await asA(`/admin/keys/${w.keyA.id}/rotate`, 'POST', { graceSeconds: 0 })).status).toBe(200);
    expect((await asA(`/admin/keys/${w.keyA.id}`, 'DELETE')).status).toBe(200);
    // B's key still works: nothing A did reached it.
    expect(
      (await chat(w.keyB.key, { model: 'fast', messages: [{ role: 'user', content: 'hi' }] })).status,
    ).toBe(200);
  });

  it('limits a team-admin to its own team’s logs and analytics', async () => {
    const w = await world();
    const ask = { model: 'fast', messages: [{ role: 'user', content: 'hi' }] };
    await (await chat(w.keyA.key, ask, { 'x-request-id': 'role-log-a' })).text();
    await (await chat(w.keyB.key, ask, { 'x-request-id': 'role-log-b' })).text();
    const rows = await waitForRows(['role-log-a', 'role-log-b']);
    const idA = rows.get('role-log-a')!.id;
    const idB = rows.get('role-log-b')!.id;

    const logsOf = async (token: string, query = '') =>
      ((await (await adminAs(token, `/admin/logs${query}`)).json<Json>()).data as Json[]).map(
        (row) => row.clientRequestId,
      );
    const mine = await logsOf(w.tokens.teamAdminA);
    expect(mine).toContain('role-log-a');
    expect(mine).not.toContain('role-log-b');
    expect((await adminAs(w.tokens.teamAdminA, `/admin/logs?team=${w.teamB}`)).status).toBe(403);
    expect((await adminAs(w.tokens.teamAdminA, `/admin/logs/${idB}`)).status).toBe(404);
    expect((await adminAs(w.tokens.teamAdminA, `/admin/logs/${idA}`)).status).toBe(200);
    expect(await logsOf(w.tokens.viewer)).toEqual(expect.arrayContaining(['role-log-a', 'role-log-b']));

    const analytics = await (
      await adminAs(w.tokens.teamAdminA, '/admin/analytics?groupBy=team')
    ).json<Json>();
    expect((analytics.groups as Json[]).every((group) => JSON.stringify(group).includes(w.teamA))).toBe(true);
    expect(JSON.stringify(analytics)).not.toContain(w.teamB);
  });

  it('refuses revoked, unknown and malformed tokens, and stores only a hash', async () => {
    const { id, token } = await createToken('viewer');
    expect(token).toMatch(/^tga-[A-Za-z0-9_-]{32}$/);
    const row = await env.DB.prepare('SELECT * FROM admin_tokens WHERE id = ?').bind(id).first();
    expect(JSON.stringify(row)).not.toContain(token);
    expect((await adminAs(token, '/admin/logs')).status).toBe(200);
    const listed = await (await admin('/admin/tokens')).json<Json>();
    expect(JSON.stringify(listed)).not.toContain(token);
    expect((await admin(`/admin/tokens/${id}`)).status).toBe(200);
    expect((await admin(`/admin/tokens/${id}`, 'DELETE')).status).toBe(200);
    const revoked = await adminAs(token, '/admin/logs');
    expect(revoked.status).toBe(401);
    expect((await revoked.json<Json>()).error.code).toBe('invalid_admin_token');
    expect((await adminAs(`tga-${'x'.repeat(32)}`, '/admin/logs')).status).toBe(401);
    expect((await adminAs('nonsense', '/admin/logs')).status).toBe(401);
  });

  it('validates token creation: team-admins need an existing team, other roles none', async () => {
    expect((await admin('/admin/tokens', 'POST', { name: 'x', role: 'team-admin' })).status).toBe(400);
    expect(
      (await admin('/admin/tokens', 'POST', { name: 'x', role: 'team-admin', team: 'team_nope' })).status,
    ).toBe(400);
    const team = await createTeam('t');
    expect((await admin('/admin/tokens', 'POST', { name: 'x', role: 'viewer', team })).status).toBe(400);
    expect((await admin('/admin/tokens', 'POST', { name: 'x', role: 'owner' })).status).toBe(400);
  });

  it('keeps a team-admin from opting its keys out of guardrails', async () => {
    await admin('/admin/config', 'PUT', {
      providers: { mock: { type: 'mock' } },
      models: { fast: { targets: [{ provider: 'mock', model: 'mock-1' }] } },
      guardrails: [{ name: 'pii', detect: ['email'], action: 'redact' }],
    });
    const team = await createTeam('t');
    const { token } = await createToken('team-admin', team);
    const optOut = await adminAs(token, '/admin/keys', 'POST', { name: 'x', guardrails: ['-pii'] });
    expect(optOut.status).toBe(403);
    expect((await optOut.json<Json>()).error.code).toBe('insufficient_role');
    expect((await adminAs(token, '/admin/keys', 'POST', { name: 'x', guardrails: ['pii'] })).status).toBe(
      201,
    );
  });
});
