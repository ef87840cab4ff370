import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/auth/gateway-key';
import { CONFIG_KEY, forgetConfig } from '../../src/config/store';
import { keyStub } from '../../src/limits/stubs';
import {
  admin,
  call,
  chat,
  createKey,
  type Json,
  OPENAI_URL,
  openaiConfig,
  putConfig,
} from '../helpers/gateway';
import { json, onUpstream, recorded } from '../helpers/upstream';

const completion = {
  id: 'c',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'from openai', refusal: null },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
};
const ask = (model: string) => ({ model, messages: [{ role: 'user', content: 'where am I served?' }] });

describe('per-key routing overrides', () => {
  it('pins an alias to other targets for one key only', async () => {
    await putConfig(openaiConfig());
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json(completion));
    const plain = await createKey();
    const pinned = await createKey({
      routing: { pin: { gpt: { targets: [{ provider: 'mock', model: 'mock-1' }] } } },
    });
    expect((await chat(plain.key, ask('gpt'))).headers.get('x-tollgate-provider')).toBe('openai');
    const response = await chat(pinned.key, ask('gpt'));
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('mock');
    expect(recorded).toHaveLength(1);
  });

  it('never leaves the allowed providers (data residency), failing rather than spilling over', async () => {
    const config = openaiConfig();
    config.models.gpt.targets.push({ provider: 'mock', model: 'mock-1' });
    await putConfig(config);
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json({ error: { message: 'down' } }, 503));
    const { key } = await createKey({ routing: { allowProviders: ['openai'] } });
    const response = await chat(key, ask('gpt'));
    expect(response.status).toBe(502);
    expect(recorded.length).toBeGreaterThan(0);
    const { key: free } = await createKey();
    expect((await chat(free, ask('gpt'))).headers.get('x-tollgate-provider')).toBe('mock');
  });

  it("applies a team's deny list to its keys, and the key's own pins on top", async () => {
    await putConfig(openaiConfig());
    const team = await (
      await admin('/admin/teams', 'POST', { name: 'eu', routing: { denyProviders: ['openai'] } })
    ).json<Json>();
    expect(team.routing).toEqual({ denyProviders: ['openai'] });
    const { key } = await createKey({ team: team.id });
    const denied = await chat(key, ask('gpt'));
    expect(denied.status).toBe(403);
    expect(recorded).toHaveLength(0);
  });

  it('lists in /v1/models only what its provider limits let some target serve', async () => {
    const config = openaiConfig({
      models: {
        gpt: { targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] },
        fast: { targets: [{ provider: 'mock', model: 'mock-1' }] },
        // Served by openai unless a request's metadata picks the mock branch: reachable either way.
        split: {
          strategy: 'conditional',
          targets: [{ provider: 'openai', model: 'gpt-4o-mini' }],
          rules: [{ when: { metadata: { tier: 'free' } }, targets: [{ alias: 'fast' }] }],
        },
        // Only through an alias the filter empties.
        wrapped: { targets: [{ alias: 'gpt' }] },
      },
    });
    expect((await putConfig(config)).status).toBe(200);
    const team = await (
      await admin('/admin/teams', 'POST', { name: 'no-openai', routing: { denyProviders: ['openai'] } })
    ).json<Json>();
    const { key } = await createKey({
      team: team.id,
      routing: { pin: { gpt: { targets: [{ provider: 'mock', model: 'mock-1' }] } } },
    });
    const listed = async (k: string) =>
      (await (await call('/v1/models', { headers: { authorization: `Bearer ${k}` } })).json<Json>()).data.map(
        (m: { id: string }) => m.id,
      );
    // gpt is pinned to the mock for this key, and wrapped follows the pin.
    expect(await listed(key)).toEqual(['gpt', 'fast', 'split', 'wrapped', 'mock/mock-1']);
    const { key: unpinned } = await createKey({ team: team.id });
    expect(await listed(unpinned)).toEqual(['fast', 'split', 'mock/mock-1']);
    const retrieve = await call('/v1/models/gpt', { headers: { authorization: `Bearer ${unpinned}` } });
    expect(retrieve.status).toBe(404);
    expect((await retrieve.json<Json>()).error.code).toBe('model_not_found');
    // What is listed is served; what is not is refused.
    expect((await chat(unpinned, ask('split'))).status).toBe(403);
    expect((await chat(unpinned, ask('gpt'))).status).toBe(403);
    const { key: free } = await createKey();
    expect(await listed(free)).toEqual(['gpt', 'fast', 'split', 'wrapped', 'mock/mock-1']);
  });

  it("lists a conditional route by the branches the key's team can take", async () => {
    const config = openaiConfig({
      models: {
        // The mock serves team "eu" only; every other request goes to openai.
        auto: {
          strategy: 'conditional',
          targets: [{ provider: 'openai', model: 'gpt-4o-mini' }],
          rules: [{ when: { team: 'team_eu_only' }, targets: [{ provider: 'mock', model: 'mock-1' }] }],
        },
      },
    });
    expect((await putConfig(config)).status).toBe(200);
    const { key } = await createKey({ routing: { allowProviders: ['mock'] } });
    const ids = (
      await (await call('/v1/models', { headers: { authorization: `Bearer ${key}` } })).json<Json>()
    ).data.map((m: { id: string }) => m.id);
    expect(ids).not.toContain('auto'); // its only mock branch is another team's
    expect((await chat(key, ask('auto'))).status).toBe(403);
  });

  it('serves an alias named like an Object.prototype member, pins or not (no 500)', async () => {
    const config = openaiConfig({
      models: {
        toString: { targets: [{ provider: 'mock', model: 'mock-1' }] },
        fast: { targets: [{ alias: 'toString' }] },
      },
    });
    expect((await putConfig(config)).status).toBe(200);
    const pinned = await createKey({
      routing: { pin: { 'mock/mock-1': { targets: [{ provider: 'mock', model: 'mock-1' }] } } },
    });
    const response = await chat(pinned.key, ask('fast'));
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('mock');
  });

  it('refuses a pin named __proto__ or constructor; one stored before answers them as unknown models: 404', async () => {
    await putConfig(openaiConfig());
    const target = { targets: [{ provider: 'mock', model: 'mock-1' }] };
    // Written as JSON, `__proto__` is an own key of the pin table, not its prototype.
    const routing = JSON.parse(
      `{"pin":{"__proto__":${JSON.stringify(target)},"constructor":${JSON.stringify(target)}}}`,
    );
    const refused = await admin('/admin/keys', 'POST', { name: 'x', routing });
    expect(refused.status).toBe(400);
    expect((await refused.json<Json>()).error.param).toBe('routing.pin.__proto__');
    // As a policy written before the admin API refused them holds them.
    const { key } = await createKey();
    const stub = keyStub(env, await sha256Hex(key));
    const policy = (await stub.getPolicy())!;
    expect(await stub.setPolicy({ ...policy, routing }, Date.now() + 1)).toBe('set');
    for (const model of ['__proto__', 'constructor', 'toString', '__proto__/x', 'hasOwnProperty/x']) {
      const response = await chat(key, ask(model));
      expect(response.status, model).toBe(404);
      expect((await response.json<Json>()).error, model).toMatchObject({
        code: 'model_not_found',
        param: 'model',
      });
    }
    expect((await chat(key, ask('fast'))).status).toBe(200);
  });

  it('refuses a pin to what the config lacks, or leading back to itself: 400 naming the field', async () => {
    await putConfig(
      openaiConfig({ models: { ...openaiConfig().models, smart: { targets: [{ alias: 'fast' }] } } }),
    );
    const pin = (route: unknown, alias = 'fast') => ({ routing: { pin: { [alias]: route } } });
    const cases: [unknown, string, string][] = [
      [
        pin({ targets: [{ provider: 'ghost', model: 'm' }] }),
        'routing.pin.fast.targets[0].provider',
        "'ghost'",
      ],
      [pin({ targets: [{ alias: 'nosuch' }] }), 'routing.pin.fast.targets[0].alias', "'nosuch'"],
      [pin({ targets: [{ alias: 'fast' }] }), 'routing.pin.fast.targets[0].alias', 'fast → fast'],
      [pin({ targets: [{ alias: 'smart' }] }), 'routing.pin.fast.targets[0].alias', 'fast → smart → fast'],
      [pin({ targets: [{ provider: 'mock', model: 'mock-1' }] }, 'nosuch'), 'routing.pin.nosuch', "'nosuch'"],
    ];
    const team = await (await admin('/admin/teams', 'POST', { name: 't' })).json<Json>();
    const { id } = await createKey();
    for (const [body, param, named] of cases) {
      for (const [path, method] of [
        ['/admin/keys', 'POST'],
        [`/admin/keys/${id}`, 'PATCH'],
        ['/admin/teams', 'POST'],
        [`/admin/teams/${team.id}`, 'PATCH'],
      ] as const) {
        const response = await admin(path, method, {
          ...(method === 'POST' ? { name: 'x' } : {}),
          ...(body as object),
        });
        expect(response.status, `${method} ${path} ${param}`).toBe(400);
        const { error } = await response.json<Json>();
        expect(error).toMatchObject({ type: 'invalid_request_error', param });
        expect(error.message).toContain(named);
      }
    }
    expect((await admin(`/admin/keys/${id}`)).status).toBe(200);
    expect((await (await admin(`/admin/keys/${id}`)).json<Json>()).routing).toBeNull();
  });

  it('refuses a pin the config no longer serves with 503 saying so, not as the allowlist refusing the model', async () => {
    const extra = openaiConfig({ providers: { ...openaiConfig().providers, extra: { type: 'mock' } } });
    expect((await putConfig(extra)).status).toBe(200);
    const { key } = await createKey({
      routing: { pin: { gpt: { targets: [{ provider: 'extra', model: 'mock-1' }] } } },
    });
    expect((await chat(key, ask('gpt'))).headers.get('x-tollgate-provider')).toBe('extra');
    // The admin API refuses to drop 'extra' (test/keys/pins-in-use.test.ts); a config written in KV
    // by hand still can.
    await env.CACHE.put(CONFIG_KEY, JSON.stringify(openaiConfig()));
    forgetConfig();
    const response = await chat(key, ask('gpt'));
    expect(response.status).toBe(503);
    expect(response.headers.get('x-should-retry')).toBe('false');
    const { error } = await response.json<Json>();
    expect(error).toMatchObject({ type: 'api_error', code: 'routing_pin_unresolved', param: null });
    expect(error.message).toContain("Model 'gpt'");
    expect(error.message).toContain("routing.pin.gpt.targets[0] names provider 'extra'");
    // Not answered from the config's own route for gpt instead.
    expect(recorded).toHaveLength(0);
    // A model the key's provider limits leave nothing of is still the allowlist's 403.
    const { key: denied } = await createKey({ routing: { denyProviders: ['mock'] } });
    const refused = await chat(denied, ask('fast'));
    expect(refused.status).toBe(403);
    expect((await refused.json<Json>()).error.code).toBe('model_not_allowed');
  });

  it('rejects a malformed override', async () => {
    const response = await admin('/admin/keys', 'POST', { name: 'x', routing: { allowProviders: [] } });
    expect(response.status).toBe(400);
    expect((await response.json<Json>()).error.param).toBe('routing.allowProviders');
  });
});
