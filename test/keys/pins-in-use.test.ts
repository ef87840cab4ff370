// A config write that would leave a key's or team's routing pin naming nothing is refused (409),
// naming who holds the pin and what it names; revoked keys and pins already broken do not count.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEY, forgetConfig } from '../../src/config/store';
import { admin, chat, createKey, type Json, putConfig } from '../helpers/gateway';

const mock = { provider: 'mock', model: 'mock-1' };
/** The mock, an `extra` provider named per test (keys from other tests never pin it), and `fast`. */
const withExtra = (extra: string, models: Record<string, unknown> = {}) => ({
  providers: { mock: { type: 'mock' }, [extra]: { type: 'mock' } },
  models: { fast: { targets: [mock] }, ...models },
});
const pinTo = (provider: string, alias = 'fast') => ({
  routing: { pin: { [alias]: { targets: [{ provider, model: 'mock-1' }] } } },
});
const ask = { model: 'fast', messages: [{ role: 'user', content: 'hi' }] };

describe('a config write that would leave a routing pin naming nothing', () => {
  it('is refused with 409 naming the key and the provider, the previous config kept; accepted once the key is revoked', async () => {
    expect((await putConfig(withExtra('eu'))).status).toBe(200);
    const { id, key } = await createKey(pinTo('eu'));
    const refused = await putConfig(withExtra('other'));
    expect(refused.status).toBe(409);
    const { error } = await refused.json<Json>();
    expect(error).toMatchObject({
      type: 'invalid_request_error',
      code: 'routing_pin_in_use',
      param: 'providers',
    });
    expect(error.message).toContain('1 key or team');
    expect(error.message).toContain(`key ${id}: routing.pin.fast.targets[0].provider needs provider 'eu'`);
    // Nothing changed: the pin still routes.
    expect((await admin('/admin/config').then((r) => r.json<Json>())).providers.eu).toBeDefined();
    expect((await chat(key, ask)).headers.get('x-tollgate-provider')).toBe('eu');

    expect((await admin(`/admin/keys/${id}`, 'DELETE')).status).toBe(200);
    expect((await putConfig(withExtra('other'))).status).toBe(200);
  });

  it('is accepted once the pin is changed first', async () => {
    expect((await putConfig(withExtra('us'))).status).toBe(200);
    const { id } = await createKey(pinTo('us'));
    expect((await putConfig(withExtra('other'))).status).toBe(409);
    expect((await admin(`/admin/keys/${id}`, 'PATCH', pinTo('mock'))).status).toBe(200);
    expect((await putConfig(withExtra('other'))).status).toBe(200);
  });

  it("names a team's pin, and a model alias renamed away from under a key's pin", async () => {
    const smart = { smart: { targets: [mock] } };
    expect((await putConfig(withExtra('apac', smart))).status).toBe(200);
    const team = await (await admin('/admin/teams', 'POST', { name: 't', ...pinTo('apac') })).json<Json>();
    const { id } = await createKey({ routing: { pin: { fast: { targets: [{ alias: 'smart' }] } } } });
    // `smart` renamed to `clever`, and `apac` dropped.
    const refused = await putConfig(withExtra('other', { clever: { targets: [mock] } }));
    expect(refused.status).toBe(409);
    const { message } = (await refused.json<Json>()).error;
    expect(message).toContain('2 keys or teams');
    expect(message).toContain(`team ${team.id}: routing.pin.fast.targets[0].provider needs provider 'apac'`);
    expect(message).toContain(`key ${id}: routing.pin.fast.targets[0].alias needs model alias 'smart'`);
    // The alias renamed into a loop with the pin (`smart` now nests `fast`) is refused as well.
    const loop = await putConfig(withExtra('apac', { smart: { targets: [{ alias: 'fast' }] } }));
    expect(loop.status).toBe(409);
    expect((await loop.json<Json>()).error.message).toContain('fast → smart → fast');
    expect((await admin(`/admin/keys/${id}`, 'DELETE')).status).toBe(200);
    expect((await admin(`/admin/teams/${team.id}`, 'PATCH', { routing: null })).status).toBe(200);
    expect((await putConfig(withExtra('other'))).status).toBe(200);
  });

  it('lists a few holders and counts the rest', async () => {
    expect((await putConfig(withExtra('many'))).status).toBe(200);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await createKey(pinTo('many'))).id);
    const refused = await putConfig(withExtra('other'));
    expect(refused.status).toBe(409);
    const { message } = (await refused.json<Json>()).error;
    expect(message).toContain('7 keys or teams');
    expect(message).toContain('; and 2 more)');
    expect(ids.filter((id) => message.includes(id))).toHaveLength(5);
    for (const id of ids) await admin(`/admin/keys/${id}`, 'DELETE');
  });

  it('is not refused for a pin already broken before it, nor for a change elsewhere', async () => {
    expect((await putConfig(withExtra('gone'))).status).toBe(200);
    const { id } = await createKey(pinTo('gone'));
    // A config with no `gone` only in KV (as written by hand, or before this check) is the previous one.
    await env.DB.prepare('DELETE FROM config_store').run();
    await env.CACHE.put(CONFIG_KEY, JSON.stringify(withExtra('other')));
    forgetConfig();
    expect((await putConfig(withExtra('other', { smart: { targets: [mock] } }))).status).toBe(200);
    expect((await putConfig({ ...withExtra('other'), limits: { rpm: 5 } })).status).toBe(200);
    expect((await admin(`/admin/keys/${id}`, 'DELETE')).status).toBe(200);
  });

  it("is refused for an entry it breaks, though another of the key's entries was broken already", async () => {
    expect((await putConfig(withExtra('ga', { smart: { targets: [mock] } }))).status).toBe(200);
    const config = await (await admin('/admin/config')).json<Json>();
    expect(
      (await putConfig({ ...config, providers: { ...config.providers, ka: { type: 'mock' } } })).status,
    ).toBe(200);
    const pins = { fast: pinTo('ga').routing.pin.fast, smart: pinTo('ka', 'smart').routing.pin.smart };
    const { id } = await createKey({ routing: { pin: pins } });
    // `ga` goes by hand (KV only): `fast` is broken before the PUT below, which drops `ka` too.
    await env.DB.prepare('DELETE FROM config_store').run();
    await env.CACHE.put(CONFIG_KEY, JSON.stringify({ ...withExtra('ka', { smart: { targets: [mock] } }) }));
    forgetConfig();
    const refused = await putConfig(withExtra('other', { smart: { targets: [mock] } }));
    expect(refused.status).toBe(409);
    expect((await refused.json<Json>()).error.message).toContain(
      `key ${id}: routing.pin.smart.targets[0].provider needs provider 'ka'`,
    );
    expect((await admin(`/admin/keys/${id}`, 'DELETE')).status).toBe(200);
  });

  it('is not refused when the stored config cannot be read: the PUT that repairs it must go through', async () => {
    expect((await putConfig(withExtra('lost'))).status).toBe(200);
    const { id } = await createKey(pinTo('lost'));
    await env.DB.prepare('DELETE FROM config_store').run();
    await env.CACHE.put(CONFIG_KEY, '{"providers": not json');
    forgetConfig();
    expect((await putConfig(withExtra('other'))).status).toBe(200);
    expect((await admin(`/admin/keys/${id}`, 'DELETE')).status).toBe(200);
  });

  it("is refused for removing a pin entry's last working target, its other target already gone", async () => {
    const twoExtras = {
      providers: { mock: { type: 'mock' }, aa: { type: 'mock' }, bb: { type: 'mock' } },
      models: { fast: { targets: [mock] } },
    };
    expect((await putConfig(twoExtras)).status).toBe(200);
    const fallback = {
      targets: [
        { provider: 'aa', model: 'mock-1' },
        { provider: 'bb', model: 'mock-1' },
      ],
    };
    const { id, key } = await createKey({ routing: { pin: { fast: fallback } } });
    // `aa` goes by hand (KV only): the pin's first target is passed over, `bb` still serves.
    await env.DB.prepare('DELETE FROM config_store').run();
    const { aa: _gone, ...providers } = twoExtras.providers;
    await env.CACHE.put(CONFIG_KEY, JSON.stringify({ ...twoExtras, providers }));
    forgetConfig();
    expect((await chat(key, ask)).headers.get('x-tollgate-provider')).toBe('bb');
    const refused = await putConfig(withExtra('other'));
    expect(refused.status).toBe(409);
    expect((await refused.json<Json>()).error.message).toContain(
      `key ${id}: routing.pin.fast.targets[1].provider needs provider 'bb'`,
    );
    // A PATCH adding a typo beside the target already gone is refused too.
    const typo = {
      targets: [
        { provider: 'aa', model: 'mock-1' },
        { provider: 'bbb', model: 'mock-1' },
      ],
    };
    const patched = await admin(`/admin/keys/${id}`, 'PATCH', { routing: { pin: { fast: typo } } });
    expect(patched.status).toBe(400);
    expect((await patched.json<Json>()).error.param).toBe('routing.pin.fast.targets[1].provider');
    expect((await admin(`/admin/keys/${id}`, 'DELETE')).status).toBe(200);
  });
});
