import { describe, expect, it } from 'vitest';
import { admin, chat, createKey, type Json, putConfig } from '../../helpers/gateway';

// The mock answers "Mock reply to: <prompt>" — 4 output tokens for a one-word prompt. At
// $30,000 per million output tokens and max_tokens 10, a request reserves $0.30 and costs $0.12.
const pricedMock = {
  providers: { mock: { type: 'mock' } },
  models: { fast: { targets: [{ provider: 'mock', model: 'mock-1' }] } },
  pricing: { 'mock/mock-1': { inputPerMTok: 0, outputPerMTok: 30_000 } },
};
const ask = { model: 'fast', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] };
/** An answer long enough to be cut at max_tokens: it costs exactly its $0.30 reservation. */
const askFull = { ...ask, messages: [{ role: 'user', content: 'one two three four five six seven eight' }] };

async function settled(path: string): Promise<Json> {
  for (let i = 0; i < 50; i++) {
    const body = await (await admin(path)).json<Json>();
    if (body.usage.reservedUsd === 0) return body;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${path} still has reservations`);
}

describe('budgets', () => {
  it('is a hard cap under concurrency: $1 budget, $0.30 worst case, 20 at once → 3 admitted', async () => {
    await putConfig(pricedMock);
    const { id, key } = await createKey({ budget: { usd: 1, period: 'month' } });
    const responses = await Promise.all(Array.from({ length: 20 }, () => chat(key, askFull)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 402)).toHaveLength(17);
    const refused = await responses.find((r) => r.status === 402)!.json<Json>();
    expect(refused.error).toMatchObject({ type: 'insufficient_quota', code: 'budget_exceeded', param: null });
    expect(refused.error.message).toContain('$1 budget');

    const read = await settled(`/admin/keys/${id}`);
    expect(read.usage.spendUsd).toBeCloseTo(0.9, 10);
    expect(read.usage.spendUsd).toBeLessThanOrEqual(1);
    expect(read.budget).toEqual({ usd: 1, period: 'month', startsAt: null, alertAt: 0.8 });
    expect(Date.parse(read.usage.periodEnd)).toBeGreaterThan(Date.now());
  });

  it('frees capacity once settled at the real cost', async () => {
    await putConfig(pricedMock);
    const { id, key } = await createKey({ budget: { usd: 0.5, period: 'day' } });
    expect((await chat(key, ask)).status).toBe(200); // reserves 0.30, costs 0.12
    await settled(`/admin/keys/${id}`);
    expect((await chat(key, ask)).status).toBe(200); // 0.12 spent + 0.30 ≤ 0.5
    await settled(`/admin/keys/${id}`);
    expect((await chat(key, ask)).status).toBe(402); // 0.24 + 0.30 > 0.5
  });

  it('re-reads the soft-limit alert against a changed amount or threshold', async () => {
    await putConfig(pricedMock);
    const budget = { usd: 0.5, period: 'day', alertAt: 0.2 };
    const { id, key } = await createKey({ budget });
    expect((await chat(key, ask)).status).toBe(200); // costs 0.12, past 0.2 × $0.5
    expect((await settled(`/admin/keys/${id}`)).usage.alert).toMatchObject({ crossed: true });
    // Raised, the same window: $0.12 is under 0.2 × $5, so no alert stands any more.
    await admin(`/admin/keys/${id}`, 'PATCH', { budget: { ...budget, usd: 5 } });
    const raised = await settled(`/admin/keys/${id}`);
    expect(raised.usage.spendUsd).toBeCloseTo(0.12, 10);
    expect(raised.usage.alert).toEqual({ threshold: 0.2, crossed: false, crossedAt: null });
    // Lowered again (or a lower threshold): past it at once, not only at the next settle.
    await admin(`/admin/keys/${id}`, 'PATCH', { budget: { ...budget, usd: 5, alertAt: 0.01 } });
    expect((await settled(`/admin/keys/${id}`)).usage.alert).toMatchObject({ crossed: true });
  });

  it('charges nothing for a request that never reached a provider', async () => {
    await putConfig({
      ...pricedMock,
      models: { ...pricedMock.models, dead: { targets: [{ provider: 'mock', model: 'x' }] } },
    });
    const { id, key } = await createKey({ budget: { usd: 1, period: 'total' } });
    const bad = await chat(key, { ...ask, model: 'nope' });
    expect(bad.status).toBe(404);
    const read = await settled(`/admin/keys/${id}`);
    expect(read.usage.spendUsd).toBe(0);
    expect(read.usage.periodEnd).toBeNull();
  });

  it('rejects invalid budgets', async () => {
    for (const budget of [
      { usd: -1, period: 'day' },
      { usd: 1, period: 'fortnight' },
      { usd: 1 },
      { usd: 1, period: 'day', alertAt: 2 },
    ]) {
      const response = await admin('/admin/keys', 'POST', { name: 'x', budget });
      expect(response.status).toBe(400);
      expect((await response.json<Json>()).error.param).toMatch(/^budget/);
    }
  });

  it('takes a budget back as it was read (startsAt: null), on a key and on a team', async () => {
    await putConfig(pricedMock);
    const { id } = await createKey({ budget: { usd: 1, period: 'month' } });
    const team = await (
      await admin('/admin/teams', 'POST', { name: 'rmw', budget: { usd: 1, period: 'week' } })
    ).json<Json>();
    for (const path of [`/admin/keys/${id}`, `/admin/teams/${team.id}`]) {
      const read = await (await admin(path)).json<Json>();
      expect(read.budget.startsAt).toBeNull();
      const patched = await admin(path, 'PATCH', { budget: { ...read.budget, usd: 2 } });
      expect(patched.status).toBe(200);
      const after = await patched.json<Json>();
      expect(after.budget).toEqual({ ...read.budget, usd: 2 });
      // Still calendar-aligned: null is no anchor, not the epoch.
      expect(after.usage.periodStart).toBe(read.usage.periodStart);
    }
  });
});

describe('/admin/teams', () => {
  it('creates, reads, lists and patches a team', async () => {
    const created = await admin('/admin/teams', 'POST', {
      name: 'ml',
      models: ['fast'],
      limits: { rpm: 100 },
    });
    expect(created.status).toBe(201);
    const team = await created.json<Json>();
    expect(team).toMatchObject({
      name: 'ml',
      models: ['fast'],
      limits: { rpm: 100, tpm: null },
      budget: null,
    });
    expect(team.id).toMatch(/^team_/);
    expect(team.usage.rpm).toEqual({ limit: 100, remaining: 100 });

    const patched = await admin(`/admin/teams/${team.id}`, 'PATCH', { budget: { usd: 5, period: 'week' } });
    expect((await patched.json<Json>()).budget).toMatchObject({ usd: 5, period: 'week' });
    const list = await (await admin('/admin/teams')).json<Json>();
    expect(list.data.map((t: { id: string }) => t.id)).toContain(team.id);
    expect((await admin('/admin/teams/team_nope')).status).toBe(404);
    expect((await admin('/admin/teams', 'POST', { name: '' })).status).toBe(400);
  });

  it('lists teams without usage on usage=false, and only budgeted teams on budgeted=true', async () => {
    const plain = await (await admin('/admin/teams', 'POST', { name: 'no cap' })).json<Json>();
    const capped = await (
      await admin('/admin/teams', 'POST', { name: 'cap', budget: { usd: 9, period: 'month' } })
    ).json<Json>();
    const list = async (query: string) =>
      (await (await admin(`/admin/teams?limit=200${query}`)).json<Json>()).data as Json[];
    const names = await list('&usage=false');
    expect(names.map((t) => t.id)).toEqual(expect.arrayContaining([plain.id, capped.id]));
    for (const t of names) expect(t).not.toHaveProperty('usage');
    const budgeted = await list('&budgeted=true');
    expect(budgeted.map((t) => t.id)).toContain(capped.id);
    expect(budgeted.map((t) => t.id)).not.toContain(plain.id);
    for (const t of budgeted) expect(t.budget).not.toBeNull();
    expect(budgeted.find((t) => t.id === capped.id).usage.budgetUsd).toBe(9);
    for (const t of await list('')) expect(t).toHaveProperty('usage');
    const one = await (await admin(`/admin/teams/${plain.id}?usage=false`)).json<Json>();
    expect([one.name, 'usage' in one]).toEqual(['no cap', false]);
  });

  it("clears a team's limits with limits: null (audited)", async () => {
    const team = await (
      await admin('/admin/teams', 'POST', { name: 'limited', limits: { rpm: 1 } })
    ).json<Json>();
    const { key } = await createKey({ team: team.id });
    expect((await chat(key, ask)).status).toBe(200);
    expect((await chat(key, ask)).status).toBe(429);
    const patched = await admin(`/admin/teams/${team.id}`, 'PATCH', { limits: null });
    expect(patched.status).toBe(200);
    const body = await patched.json<Json>();
    expect(body.limits).toEqual({ rpm: null, tpm: null });
    expect(body.usage.rpm).toBeNull();
    expect((await chat(key, ask)).status).toBe(200);
    const audit = await (await admin(`/admin/audit?targetId=${team.id}&action=team.update`)).json<Json>();
    expect(audit.data[0].after.limits).toEqual({});
  });

  it('shares a team budget across its keys', async () => {
    await putConfig(pricedMock);
    const team = await (
      await admin('/admin/teams', 'POST', { name: 'shared', budget: { usd: 0.6, period: 'day' } })
    ).json<Json>();
    const a = await createKey({ team: team.id });
    const b = await createKey({ team: team.id });
    expect((await chat(a.key, ask)).status).toBe(200);
    await settled(`/admin/teams/${team.id}`);
    expect((await chat(b.key, ask)).status).toBe(200);
    await settled(`/admin/teams/${team.id}`);
    // 0.24 spent by the two keys together: a third $0.30 reservation fits (0.54), a fourth does not (0.66).
    expect((await chat(a.key, ask)).status).toBe(200);
    await settled(`/admin/teams/${team.id}`);
    const refused = await chat(b.key, ask);
    expect(refused.status).toBe(402);
    expect((await refused.json<Json>()).error.message).toContain("team's");
    const read = await (await admin(`/admin/teams/${team.id}`)).json<Json>();
    expect(read.usage.spendUsd).toBeCloseTo(0.36, 10);
  });

  it("enforces the team's allowlist and limits on its keys", async () => {
    const team = await (
      await admin('/admin/teams', 'POST', { name: 'strict', models: ['smart'], limits: { rpm: 2 } })
    ).json<Json>();
    const { key } = await createKey({ team: team.id });
    expect((await chat(key, { ...ask, model: 'fast' })).status).toBe(403);
    expect((await chat(key, { ...ask, model: 'smart' })).status).toBe(200);
    expect((await chat(key, { ...ask, model: 'smart' })).status).toBe(200);
    const limited = await chat(key, { ...ask, model: 'smart' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).not.toBeNull();
  });

  it('moves a key between teams on PATCH, effective on the next request', async () => {
    const open = await (await admin('/admin/teams', 'POST', { name: 'open' })).json<Json>();
    const closed = await (await admin('/admin/teams', 'POST', { name: 'closed', models: [] })).json<Json>();
    const { id, key } = await createKey({ team: open.id });
    expect((await chat(key, ask)).status).toBe(200);
    expect((await admin(`/admin/keys/${id}`, 'PATCH', { team: closed.id })).status).toBe(200);
    expect((await chat(key, ask)).status).toBe(403);
    expect((await admin(`/admin/keys/${id}`, 'PATCH', { team: null })).status).toBe(200);
    expect((await chat(key, ask)).status).toBe(200);
  });

  it('refuses a key in a team that does not exist', async () => {
    const response = await admin('/admin/keys', 'POST', { name: 'x', team: 'team_ghost' });
    expect(response.status).toBe(400);
    expect((await response.json<Json>()).error).toMatchObject({ param: 'team', code: 'team_not_found' });
  });
});

describe('rate-limit headers', () => {
  it('are on every successful response of a limited key', async () => {
    const { key } = await createKey({ limits: { rpm: 10, tpm: 100_000 } });
    const response = await chat(key, ask);
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('10');
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('9');
    expect(response.headers.get('x-ratelimit-limit-tokens')).toBe('100000');
    expect(Number(response.headers.get('x-ratelimit-remaining-tokens'))).toBeLessThan(100_000);
    expect(response.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(ms|s)$/);
  });

  it("show the tighter of key and team on a 429 too: the team's refusal keeps the key's RPM", async () => {
    const team = await (
      await admin('/admin/teams', 'POST', { name: 'tight tokens', limits: { tpm: 100 } })
    ).json<Json>();
    const { key } = await createKey({ team: team.id, limits: { rpm: 1000 } });
    const refused = await chat(key, { ...ask, max_tokens: 500 });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ratelimit-limit-tokens')).toBe('100');
    expect(refused.headers.get('x-ratelimit-limit-requests')).toBe('1000');
    // The key's slot for this refused request is given back, and the header says so.
    expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('1000');
  });
});
