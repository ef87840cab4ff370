// A team-admin may only tighten its keys' governance settings (src/keys/governance.ts): turning off
// zero retention, logging bodies, dropping guardrails, widening models, raising limits or budgets,
// reopening the cache or postponing expiry is for admins — 403 insufficient_role naming the field.
import { describe, expect, it } from 'vitest';
import { admin, type Json, openaiConfig, putConfig } from '../helpers/gateway';
import { expectOpenAIShape } from '../helpers/openapi';
import { adminAs, createTeam, createToken } from './helpers';

const day = 86_400_000;
const inDays = (days: number) => new Date(Date.now() + days * day).toISOString();

async function configure(): Promise<void> {
  const config = openaiConfig({
    limits: { rpm: 600 },
    guardrails: [
      { name: 'pii', detect: ['email'], action: 'redact', enabled: false },
      { name: 'strict', keywords: ['bluebird'], action: 'block', enabled: false },
    ],
  });
  const response = await putConfig(config);
  expect(response.status, await response.clone().text()).toBe(200);
}

async function denied(response: Response, param: string): Promise<void> {
  const label = `${param}: ${await response.clone().text()}`;
  expect(response.status, label).toBe(403);
  const body = await response.json<Json>();
  expectOpenAIShape('ErrorResponse', body);
  expect(body.error, label).toMatchObject({ type: 'permission_error', code: 'insufficient_role', param });
  expect(body.error.message).toContain('only tighten');
}

describe('team-admin governance', () => {
  it('refuses every PATCH that loosens what an admin set on a key, and changes nothing', async () => {
    await configure();
    const team = await createTeam('governed');
    const { token } = await createToken('team-admin', team);
    const governed = {
      name: 'governed key',
      team,
      zdr: true,
      guardrails: ['pii'],
      models: ['fast', 'openai/*'],
      limits: { rpm: 10, tpm: 1000 },
      budget: { usd: 5, period: 'day' },
      routing: { denyProviders: ['mock'] },
      cache: { enabled: false },
      expiresAt: inDays(30),
    };
    const created = await admin('/admin/keys', 'POST', governed);
    expect(created.status).toBe(201);
    const key = await created.json<Json>();
    const patch = (body: unknown) => adminAs(token, `/admin/keys/${key.id}`, 'PATCH', body);

    const loosen: [unknown, string][] = [
      [{ zdr: false }, 'zdr'],
      [{ logBodies: true }, 'logBodies'],
      [{ guardrails: null }, 'guardrails'],
      [{ guardrails: ['strict'] }, 'guardrails'],
      [{ models: null }, 'models'],
      [{ models: ['fast', 'gpt'] }, 'models'],
      [{ models: ['*'] }, 'models'],
      [{ limits: { rpm: 11, tpm: 1000 } }, 'limits.rpm'],
      [{ limits: { rpm: 10 } }, 'limits.tpm'], // no tpm default in the config: removing it is unlimited
      [{ budget: { usd: 50, period: 'day' } }, 'budget.usd'],
      [{ budget: { usd: 5, period: 'month' } }, 'budget.period'],
      [{ budget: null }, 'budget'],
      [{ routing: null }, 'routing.denyProviders'],
      [{ cache: null }, 'cache.enabled'],
      [{ cache: { enabled: true } }, 'cache.enabled'],
      [{ expiresAt: null }, 'expiresAt'],
      [{ expiresAt: inDays(60) }, 'expiresAt'],
      [{ name: 'harmless', zdr: false }, 'zdr'], // one loosening field spoils the whole PATCH
    ];
    for (const [body, param] of loosen) await denied(await patch(body), param);
    // Opting out of a rule is an admin's alone, and the refusal names the field.
    const optOut = await patch({ guardrails: ['-pii'] });
    expect(optOut.status).toBe(403);
    expect((await optOut.json<Json>()).error).toMatchObject({
      code: 'insufficient_role',
      param: 'guardrails',
    });
    const unchanged = await (await admin(`/admin/keys/${key.id}`)).json<Json>();
    expect(unchanged).toMatchObject({
      name: 'governed key',
      zdr: true,
      logBodies: false,
      guardrails: ['pii'],
      models: ['fast', 'openai/*'],
      limits: { rpm: 10, tpm: 1000 },
      budget: { usd: 5, period: 'day' },
      routing: { denyProviders: ['mock'] },
      cache: { enabled: false },
      expiresAt: governed.expiresAt,
    });

    // Tightening is the team-admin's to do.
    const tighter = {
      name: 'tighter',
      zdr: true,
      logBodies: false,
      guardrails: ['pii', 'strict'],
      models: ['fast', 'openai/gpt-4o-mini'],
      limits: { rpm: 5, tpm: 500 },
      budget: { usd: 2, period: 'day' },
      routing: { denyProviders: ['mock', 'other'] },
      cache: { enabled: false, ttlSeconds: 60 },
      expiresAt: inDays(7),
    };
    const tightened = await patch(tighter);
    expect(tightened.status, await tightened.clone().text()).toBe(200);
    expect(await tightened.json<Json>()).toMatchObject({ ...tighter, expiresAt: tighter.expiresAt });

    // An admin may loosen them again.
    const loosened = await admin(`/admin/keys/${key.id}`, 'PATCH', {
      zdr: false,
      logBodies: true,
      guardrails: null,
      models: null,
      limits: { rpm: 1000 },
      budget: null,
    });
    expect(loosened.status).toBe(200);
    expect(await loosened.json<Json>()).toMatchObject({ zdr: false, logBodies: true, guardrails: null });
  });

  it('refuses a team-admin lowering the semantic threshold, and lets it raise it', async () => {
    await configure(); // the config's semantic threshold is the default 0.95
    const team = await createTeam('semantic');
    const { token } = await createToken('team-admin', team);
    const created = await admin('/admin/keys', 'POST', { name: 'k', team, cache: { threshold: 0.9 } });
    expect(created.status).toBe(201);
    const { id } = await created.json<Json>();
    const patch = (body: unknown, as = token) => adminAs(as, `/admin/keys/${id}`, 'PATCH', body);

    await denied(await patch({ cache: { ttlSeconds: 60, threshold: 0.01 } }), 'cache.threshold');
    await denied(await patch({ cache: { threshold: 0.89 } }), 'cache.threshold');
    expect((await (await admin(`/admin/keys/${id}`)).json<Json>()).cache).toEqual({ threshold: 0.9 });
    const fresh = adminAs(token, '/admin/keys', 'POST', { name: 'new', cache: { threshold: 0.5 } });
    await denied(await fresh, 'cache.threshold'); // below the config's 0.95

    const raised = await patch({ cache: { ttlSeconds: 60, threshold: 0.97 } });
    expect(raised.status, await raised.clone().text()).toBe(200);
    expect((await raised.json<Json>()).cache).toEqual({ ttlSeconds: 60, threshold: 0.97 });
    // Lowering it is an admin's to do, by an admin token or the root token.
    const adminToken = (await createToken('admin')).token;
    const byAdmin = await patch({ cache: { ttlSeconds: 60, threshold: 0.5 } }, adminToken);
    expect(byAdmin.status, await byAdmin.clone().text()).toBe(200);
    expect((await byAdmin.json<Json>()).cache).toMatchObject({ threshold: 0.5 });
    const byRoot = await admin(`/admin/keys/${id}`, 'PATCH', { cache: { threshold: 0.01 } });
    expect(byRoot.status, await byRoot.clone().text()).toBe(200);
    expect((await byRoot.json<Json>()).cache).toEqual({ threshold: 0.01 });
  });

  it('refuses new keys that opt out of their team’s settings or exceed the config’s defaults', async () => {
    await configure();
    const team = await (
      await admin('/admin/teams', 'POST', { name: 'private', zdr: true, cache: { enabled: false } })
    ).json<Json>();
    const { token } = await createToken('team-admin', team.id);
    const create = (body: Record<string, unknown>) =>
      adminAs(token, '/admin/keys', 'POST', { name: 'made by team-admin', ...body });

    await denied(await create({ zdr: false }), 'zdr');
    await denied(await create({ logBodies: true }), 'logBodies');
    await denied(await create({ cache: { enabled: true } }), 'cache.enabled');
    await denied(await create({ limits: { rpm: 601 } }), 'limits.rpm'); // the config's default is 600
    const listed = await (await adminAs(token, '/admin/keys')).json<Json>();
    expect(listed.data).toHaveLength(0);

    const fine = await create({
      zdr: true,
      logBodies: false,
      limits: { rpm: 60 },
      budget: { usd: 1, period: 'day' },
    });
    expect(fine.status, await fine.clone().text()).toBe(201);
    expect((await create({})).status).toBe(201);
    // An admin creates what it likes in the same team (the team's zdr still applies at run time).
    expect(
      (await admin('/admin/keys', 'POST', { name: 'admin made', team: team.id, logBodies: true })).status,
    ).toBe(201);
  });
});
