import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEY, forgetConfig } from '../../../src/config/store';
import type { Env } from '../../../src/env';
import { resolveSecret } from '../../../src/providers/secret';
import {
  admin,
  call,
  chat,
  createKey,
  type Json,
  OPENAI_URL,
  openaiConfig,
  putConfig,
} from '../../helpers/gateway';
import { json, onUpstream, recorded } from '../../helpers/upstream';

describe('/admin/config', () => {
  it('serves the bundled default (mock only, no provider secrets set) until one is stored', async () => {
    const response = await admin('/admin/config');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-config-source')).toBe('default');
    // Admin answers are never kept by a browser or a proxy.
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const config = (await response.json()) as {
      providers: Record<string, { type: string }>;
      models: Record<string, unknown>;
    };
    expect(Object.keys(config.providers)).toEqual(['mock']);
    expect(config.models).toHaveProperty('fast');
  });

  it('refuses a missing token or a too-weak role with the same no-store headers as its answers', async () => {
    for (const response of [
      await call('/admin/keys'),
      await call('/admin/config', { headers: { authorization: 'Bearer nope' } }),
    ]) {
      expect(response.status).toBe(401);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('stores a valid config, redacts literal secrets on read, keeps env references', async () => {
    const config = openaiConfig();
    (config.providers as Record<string, unknown>).groq = {
      type: 'openai',
      preset: 'groq',
      apiKey: 'env:GROQ_API_KEY',
    };
    const put = await putConfig(config);
    expect(put.status).toBe(200);
    const text = await (await admin('/admin/config')).text();
    expect(text).not.toContain('sk-test-secret');
    const read = JSON.parse(text);
    expect(read.providers.openai.apiKey).toBe('[redacted]');
    expect(read.providers.groq.apiKey).toBe('env:GROQ_API_KEY');
  });

  it('keeps the stored secret when a redacted config is written back', async () => {
    await putConfig(openaiConfig());
    const read = await (await admin('/admin/config')).json<Json>();
    read.models.extra = { targets: [{ provider: 'openai', model: 'gpt-4o' }] };
    expect((await putConfig(read)).status).toBe(200);
    onUpstream(`${OPENAI_URL}/chat/completions`, () =>
      json({ id: 'x', object: 'chat.completion', created: 1, model: 'gpt-4o', choices: [] }),
    );
    const { key } = await createKey();
    expect((await chat(key, { model: 'extra', messages: [{ role: 'user', content: 'x' }] })).status).toBe(
      200,
    );
    expect(recorded[0]?.headers.get('authorization')).toBe('Bearer sk-test-secret');
  });

  it('refuses a redaction marker where no secret was stored', async () => {
    const config = openaiConfig();
    config.providers.openai.apiKey = '[redacted]';
    const response = await putConfig(config);
    expect(response.status).toBe(400);
    expect((await response.json<Json>()).error.param).toBe('providers.openai.apiKey');
  });

  it('never sends a stored secret somewhere new: a changed baseUrl needs the secret given again', async () => {
    await putConfig(openaiConfig());
    const read = await (await admin('/admin/config')).json<Json>();
    read.providers.openai.baseUrl = 'https://attacker.test/v1';
    const moved = await putConfig(read);
    expect(moved.status).toBe(400);
    expect((await moved.json<Json>()).error).toMatchObject({ param: 'providers.openai.apiKey' });
    // Given again (or as an env: reference), it may go there.
    read.providers.openai.apiKey = 'sk-new-place';
    expect((await putConfig(read)).status).toBe(200);
  });

  it('redacts credentials embedded in a baseUrl, and keeps them when the URL is written back as read', async () => {
    const config = openaiConfig();
    config.providers.openai.baseUrl =
      'https://proxy-user:hunter2@proxy.test/v1?api_key=hunter3&api-version=2024';
    // The user:password goes as Basic auth: an apiKey (Bearer) beside it would be refused.
    delete (config.providers.openai as { apiKey?: string }).apiKey;
    expect((await putConfig(config)).status).toBe(200);
    const text = await (await admin('/admin/config')).text();
    expect(text).not.toMatch(/hunter|proxy-user/);
    const read = JSON.parse(text);
    expect(read.providers.openai.baseUrl).toBe(
      'https://%5Bredacted%5D:%5Bredacted%5D@proxy.test/v1?api_key=%5Bredacted%5D&api-version=2024',
    );
    expect((await putConfig(read)).status).toBe(200);
    const stored = JSON.parse((await env.CACHE.get(CONFIG_KEY))!);
    expect(stored.providers.openai.baseUrl).toBe(config.providers.openai.baseUrl);
    // Pointed elsewhere, the redacted credentials cannot follow.
    read.providers.openai.baseUrl = read.providers.openai.baseUrl.replace('proxy.test', 'attacker.test');
    const moved = await putConfig(read);
    expect(moved.status).toBe(400);
    expect((await moved.json<Json>()).error.message).toContain('providers.openai.baseUrl');
  });

  it('shows extra header values redacted unless the header is known to carry no credential', async () => {
    const config = openaiConfig();
    (config.providers.openai as Record<string, unknown>).headers = {
      'OpenAI-Organization': 'org-1',
      'HTTP-Referer': 'https://app.example',
      'x-credential': 'hunter2',
      'x-api-pass': 'hunter3',
      'x-from-env': 'env:SOME_SECRET',
    };
    expect((await putConfig(config)).status).toBe(200);
    const text = await (await admin('/admin/config')).text();
    expect(text).not.toMatch(/hunter/);
    expect(JSON.parse(text).providers.openai.headers).toEqual({
      'OpenAI-Organization': 'org-1',
      'HTTP-Referer': 'https://app.example',
      'x-credential': '[redacted]',
      'x-api-pass': '[redacted]',
      'x-from-env': 'env:SOME_SECRET',
    });
    // Written back as read, the stored values stay.
    expect((await putConfig(JSON.parse(text))).status).toBe(200);
    onUpstream(`${OPENAI_URL}/chat/completions`, () =>
      json({ id: 'x', object: 'chat.completion', created: 1, model: 'gpt-4o', choices: [] }),
    );
    const { key } = await createKey();
    await chat(key, { model: 'gpt', messages: [{ role: 'user', content: 'x' }] });
    expect(recorded[0]?.headers.get('x-credential')).toBe('hunter2');
  });

  it("refuses an env: reference to the gateway's own ADMIN_TOKEN", async () => {
    const config = openaiConfig();
    config.providers.openai.apiKey = 'env:ADMIN_TOKEN';
    const response = await putConfig(config);
    expect(response.status).toBe(400);
    const { error } = await response.json<Json>();
    expect(error.message).toContain('ADMIN_TOKEN');
    // A config stored before this check is refused the value at request time too.
    expect(env.ADMIN_TOKEN).toBeTruthy();
    expect(resolveSecret('env:ADMIN_TOKEN', env as unknown as Env)).toEqual({ missing: 'ADMIN_TOKEN' });
  });

  it('rejects an invalid config with every issue listed, and keeps the old one in force', async () => {
    expect((await putConfig(openaiConfig())).status).toBe(200);
    const response = await putConfig({
      providers: { openai: { type: 'openai', baseUrl: 'not a url' }, weird: { type: 'nope' } },
      models: { a: { targets: [] }, b: { targets: [{ provider: 'ghost', model: 'x' }] } },
      surprise: true,
    });
    expect(response.status).toBe(400);
    const error = (await response.json<Json>()).error;
    expect(error.type).toBe('invalid_request_error');
    expect(error.message).toContain('previous config stays in force');
    expect(error.message).toContain('providers.openai.baseUrl');
    expect(error.message).toContain('providers.weird.type');
    expect(error.message).toContain('models.a.targets');
    expect(error.message).toContain('surprise');
    const still = await (await admin('/admin/config')).json<Json>();
    expect(still.models).toHaveProperty('gpt');
  });

  it('reports unknown providers in targets with their path', async () => {
    const response = await putConfig({
      providers: { mock: { type: 'mock' } },
      models: { b: { targets: [{ provider: 'ghost', model: 'x' }] } },
    });
    expect(response.status).toBe(400);
    const error = (await response.json<Json>()).error;
    expect(error.param).toBe('models.b.targets[0].provider');
    expect(error.message).toContain("unknown provider 'ghost'");
  });

  it("says why a provider name is refused, and names an unknown field's own path", async () => {
    const named = await putConfig({ providers: { OpenAI: { type: 'mock' } } });
    expect(named.status).toBe(400);
    const error = (await named.json<Json>()).error;
    expect(error.param).toBe('providers.OpenAI');
    expect(error.message).toContain('providers.OpenAI: provider names are lowercase letters');
    expect(error.message).not.toContain('Invalid key in record');

    const unknown = await putConfig({ providers: { a: { type: 'mock', latency: 5 } } });
    expect(unknown.status).toBe(400);
    const field = (await unknown.json<Json>()).error;
    expect(field.param).toBe('providers.a.latency');
    expect(field.message).toContain('providers.a.latency: Unrecognized key');
  });

  it('rejects malformed JSON and non-objects', async () => {
    const broken = await call('/admin/config', {
      method: 'PUT',
      headers: { authorization: 'Bearer test-admin-token' },
      body: '{"providers": ',
    });
    expect(broken.status).toBe(400);
    expect((await putConfig([1, 2])).status).toBe(400);
    expect((await putConfig('just text')).status).toBe(400);
  });

  it('requires the admin token', async () => {
    const response = await call('/admin/config', { headers: { authorization: 'Bearer nope' } });
    expect(response.status).toBe(401);
    expect((await response.json<Json>()).error.code).toBe('invalid_admin_token');
    const put = await call('/admin/config', { method: 'PUT', body: JSON.stringify(openaiConfig()) });
    expect(put.status).toBe(401);
  });

  it('takes effect on the next request', async () => {
    const { key } = await createKey();
    const body = { model: 'renamed', messages: [{ role: 'user', content: 'x' }] };
    expect((await chat(key, body)).status).toBe(404);
    await putConfig({
      providers: { mock: { type: 'mock' } },
      models: { renamed: { targets: [{ provider: 'mock', model: 'm' }] } },
    });
    expect((await chat(key, body)).status).toBe(200);
  });
});

describe('a stored config this version cannot read', () => {
  /** As if written by another version: KV holds a config that no longer parses. */
  async function storeUnreadable(config: Record<string, unknown>) {
    await env.CACHE.put(CONFIG_KEY, JSON.stringify(config));
    forgetConfig();
  }

  it('answers /v1 with 503 config_invalid, and GET /admin/config names the problems', async () => {
    const { key } = await createKey();
    await storeUnreadable({ ...openaiConfig(), surprise: true });
    const refused = await chat(key, { model: 'gpt', messages: [{ role: 'user', content: 'hi' }] });
    expect(refused.status).toBe(503);
    expect((await refused.json<Json>()).error).toMatchObject({ type: 'api_error', code: 'config_invalid' });

    const shown = await admin('/admin/config');
    expect(shown.status).toBe(503);
    const error = (await shown.json<Json>()).error as Json;
    expect(error.code).toBe('config_invalid');
    expect(error.message).toContain('surprise');
  });

  it('can still be replaced with PUT /admin/config, keeping the stored secrets given as [redacted]', async () => {
    const stored = openaiConfig();
    await storeUnreadable({ ...stored, surprise: true });
    const fixed = structuredClone(stored);
    fixed.providers.openai.apiKey = '[redacted]';
    const put = await putConfig(fixed);
    expect(put.status).toBe(200);
    expect(put.headers.get('x-tollgate-config-source')).toBe('stored');
    const raw = JSON.parse((await env.CACHE.get(CONFIG_KEY)) ?? '{}');
    expect(raw.providers.openai.apiKey).toBe('sk-test-secret');
    expect(raw.surprise).toBeUndefined();
    const audited = await admin('/admin/audit?targetType=config');
    expect(((await audited.json<Json>()).data as Json[])[0]).toMatchObject({ before: null });
  });

  it('does not stop key management; changes checked against the config wait, saying why', async () => {
    await storeUnreadable({ ...openaiConfig(), surprise: true });
    const created = await admin('/admin/keys', 'POST', { name: 'during the outage' });
    expect(created.status).toBe(201);
    const listed = await admin('/admin/keys');
    expect(listed.status).toBe(200);
    const selecting = await admin('/admin/keys', 'POST', { name: 'x', guardrails: ['pii'] });
    expect(selecting.status).toBe(503);
    expect(((await selecting.json<Json>()).error as Json).message).toContain('surprise');
  });

  it('is reported by an isolate still serving the last good config, and lends its own secrets', async () => {
    expect((await putConfig(openaiConfig())).status).toBe(200); // this isolate now holds a good config
    const rotated = openaiConfig();
    rotated.providers.openai.apiKey = 'sk-rotated-elsewhere';
    await env.CACHE.put(CONFIG_KEY, JSON.stringify({ ...rotated, surprise: true })); // no forgetConfig()

    const shown = await admin('/admin/config');
    expect(shown.status).toBe(503);
    expect(((await shown.json<Json>()).error as Json).message).toContain('surprise');

    const fixed = openaiConfig();
    fixed.providers.openai.apiKey = '[redacted]';
    expect((await putConfig(fixed)).status).toBe(200);
    const raw = JSON.parse((await env.CACHE.get(CONFIG_KEY)) ?? '{}');
    expect(raw.providers.openai.apiKey).toBe('sk-rotated-elsewhere');
    expect((await admin('/admin/config')).status).toBe(200);
  });
});
