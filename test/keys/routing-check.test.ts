// A key's pins and its team's are in force together: a pair that leads back to itself is refused
// when either is written (400 naming the field), not found by the first request.
import { describe, expect, it } from 'vitest';
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
});
