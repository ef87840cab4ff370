// A key's pins and its team's are in force together: a pair that leads back to itself is refused
// when either is written (400 naming the field), not found by the first request.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEY, forgetConfig } from '../../src/config/store';
import { admin, createKey, type Json, putConfig } from '../helpers/gateway';

const mock = { provider: 'mock', model: 'mock-1' };
const config = {
  providers: { mock: { type: 'mock' } },
  models: { fast: { targets: [mock] }, smart: { targets: [mock] } },
};
const pin = (alias: string, to: string) => ({ routing: { pin: { [alias]: { targets: [{ alias: to }] } } } });
const newTeam = async (body: Record<string, unknown> = {}) =>
  (await (await admin('/admin/teams', 'POST', { name: 't', ...body })).json<Json>()).id as string;

async function refusedWith(response: Response, param: string, ...named: string[]) {
  expect(response.status).toBe(400);
  const { error } = await response.json<Json>();
  expect(error).toMatchObject({ type: 'invalid_request_error', param });
  for (const text of named) expect(error.message).toContain(text);
}

describe("a key's pins beside its team's", () => {
  it('refuses a key pin that loops through its team pin, at POST and PATCH, and a move into such a team', async () => {
    expect((await putConfig(config)).status).toBe(200);
    const team = await newTeam(pin('smart', 'fast'));
    await refusedWith(
      await admin('/admin/keys', 'POST', { name: 'k', team, ...pin('fast', 'smart') }),
      'routing.pin.fast.targets[0].alias',
      'fast → smart → fast',
      `team ${team}`,
    );
    const { id } = await createKey({ team });
    await refusedWith(
      await admin(`/admin/keys/${id}`, 'PATCH', pin('fast', 'smart')),
      'routing.pin.fast.targets[0].alias',
      'fast → smart → fast',
    );
    const { id: outside } = await createKey(pin('fast', 'smart'));
    await refusedWith(
      await admin(`/admin/keys/${outside}`, 'PATCH', { team }),
      'routing.pin.fast.targets[0].alias',
      'fast → smart → fast',
    );
    // Unchanged by the refusals; a pin that does not loop is taken.
    expect((await (await admin(`/admin/keys/${outside}`)).json<Json>()).team).toBeNull();
    expect((await admin(`/admin/keys/${id}`, 'PATCH', pin('fast', 'fast'))).status).toBe(400);
    expect(
      (await admin(`/admin/keys/${id}`, 'PATCH', { routing: { pin: { fast: { targets: [mock] } } } })).status,
    ).toBe(200);
  });

  it("refuses a team pin that loops with a member key's pin, naming the key; revoked keys do not count", async () => {
    expect((await putConfig(config)).status).toBe(200);
    const team = await newTeam();
    const { id } = await createKey({ team, ...pin('fast', 'smart') });
    const response = await admin(`/admin/teams/${team}`, 'PATCH', pin('smart', 'fast'));
    await refusedWith(
      response,
      'routing.pin.smart.targets[0].alias',
      `its keys (${id})`,
      'smart → fast → smart',
    );
    expect((await (await admin(`/admin/teams/${team}`)).json<Json>()).routing).toBeNull();
    expect((await admin(`/admin/keys/${id}`, 'DELETE')).status).toBe(200);
    expect((await admin(`/admin/teams/${team}`, 'PATCH', pin('smart', 'fast'))).status).toBe(200);
  });

  it("refuses removing a team's pins while a member key's pin names an alias only they gave it", async () => {
    expect((await putConfig(config)).status).toBe(200);
    const team = await newTeam({ routing: { pin: { 'mock/mock-1': { targets: [mock] } } } });
    const { id } = await createKey({ team, ...pin('fast', 'mock/mock-1') });
    await refusedWith(
      await admin(`/admin/teams/${team}`, 'PATCH', { routing: null }),
      'routing.pin',
      `its keys (${id})`,
      "model alias 'mock/mock-1'",
    );
    expect((await admin(`/admin/keys/${id}`, 'DELETE')).status).toBe(200);
    expect((await admin(`/admin/teams/${team}`, 'PATCH', { routing: null })).status).toBe(200);
  });

  it('lets a key whose pin is already broken move to another team and change its other pins', async () => {
    const withGc = { ...config, providers: { ...config.providers, gc: { type: 'mock' } } };
    expect((await putConfig(withGc)).status).toBe(200);
    const { id } = await createKey({
      routing: { pin: { fast: { targets: [{ provider: 'gc', model: 'm' }] } } },
    });
    // `gc` goes by hand (KV only): the key's pin is broken before the writes below.
    await env.DB.prepare('DELETE FROM config_store').run();
    await env.CACHE.put(CONFIG_KEY, JSON.stringify(config));
    forgetConfig();
    const team = await newTeam();
    expect((await admin(`/admin/keys/${id}`, 'PATCH', { team })).status).toBe(200);
    const both = { fast: { targets: [{ provider: 'gc', model: 'm' }] }, smart: { targets: [mock] } };
    expect((await admin(`/admin/keys/${id}`, 'PATCH', { routing: { pin: both } })).status).toBe(200);
    // A new broken entry is still refused.
    const worse = { ...both, smart: { targets: [{ provider: 'ghost', model: 'm' }] } };
    await refusedWith(
      await admin(`/admin/keys/${id}`, 'PATCH', { routing: { pin: worse } }),
      'routing.pin.smart.targets[0].provider',
      "no provider 'ghost'",
    );
    expect((await admin(`/admin/keys/${id}`, 'DELETE')).status).toBe(200);
  });
});
