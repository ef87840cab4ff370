// A baseUrl's user:password is a secret like any other: redacted on read, kept when written back
// as read, and still what reaches the provider as Basic auth.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEY, forgetConfig } from '../../src/config/store';
import { admin, chat, createKey, type Json, putConfig } from '../helpers/gateway';
import { json, onUpstream, recorded } from '../helpers/upstream';

const BASE_URL = 'https://alice:s3cret@proxy.test/v1';
const config = {
  providers: {
    proxy: { type: 'openai', baseUrl: BASE_URL },
    claude: { type: 'anthropic', baseUrl: 'https://bob:hunter2@claude-proxy.test', apiKey: 'sk-ant-secret' },
  },
  models: { via: { targets: [{ provider: 'proxy', model: 'gpt-4o-mini' }] } },
};

describe('credentials in a baseUrl, written back as read', () => {
  it('keep the stored user:password, which still reaches the provider as Basic auth', async () => {
    expect((await putConfig(config)).status).toBe(200);
    const text = await (await admin('/admin/config')).text();
    expect(text).not.toMatch(/alice|s3cret|bob|hunter2|sk-ant/);
    const read = JSON.parse(text);
    expect(read.providers.proxy.baseUrl).toBe('https://%5Bredacted%5D:%5Bredacted%5D@proxy.test/v1');

    const written = await putConfig(read);
    expect(written.status, await written.clone().text()).toBe(200);
    const stored = JSON.parse((await env.CACHE.get(CONFIG_KEY))!);
    expect(stored.providers.proxy.baseUrl).toBe(BASE_URL);
    // The other secrets of a provider whose baseUrl came back as read stay too.
    expect(stored.providers.claude).toMatchObject(config.providers.claude);

    onUpstream('https://proxy.test/v1/chat/completions', () =>
      json({ id: 'x', object: 'chat.completion', created: 1, model: 'm', choices: [] }),
    );
    const { key } = await createKey();
    expect((await chat(key, { model: 'via', messages: [{ role: 'user', content: 'x' }] })).status).toBe(200);
    expect(recorded[0]!.headers.get('authorization')).toBe(`Basic ${btoa('alice:s3cret')}`);
  });

  it('beside an apiKey, in a config stored before that was refused, still load: the key wins', async () => {
    // Written before the check (PUT refuses it now): it must not stop the gateway from loading.
    const old = {
      providers: { proxy: { type: 'openai', baseUrl: BASE_URL, apiKey: 'sk-proxy' } },
      models: config.models,
    };
    await env.CACHE.put(CONFIG_KEY, JSON.stringify(old));
    forgetConfig();
    onUpstream('https://proxy.test/v1/chat/completions', () =>
      json({ id: 'x', object: 'chat.completion', created: 1, model: 'm', choices: [] }),
    );
    const { key } = await createKey();
    expect((await chat(key, { model: 'via', messages: [{ role: 'user', content: 'x' }] })).status).toBe(200);
    expect(recorded[0]!.headers.get('authorization')).toBe('Bearer sk-proxy');
    expect(recorded[0]!.url).toBe('https://proxy.test/v1/chat/completions');
    expect((await admin('/admin/config')).headers.get('x-tollgate-config-source')).toBe('stored');
  });

  it('are refused pointed at another host, and the stored ones stay in force', async () => {
    expect((await putConfig(config)).status).toBe(200);
    const read = await (await admin('/admin/config')).json<Json>();
    read.providers.proxy.baseUrl = read.providers.proxy.baseUrl.replace('proxy.test', 'attacker.test');
    const moved = await putConfig(read);
    expect(moved.status).toBe(400);
    expect((await moved.json<Json>()).error.message).toContain('providers.proxy.baseUrl');
    const stored = JSON.parse((await env.CACHE.get(CONFIG_KEY))!);
    expect(stored.providers.proxy.baseUrl).toBe(BASE_URL);
  });
});
