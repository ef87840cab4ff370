import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { forgetConfig } from '../../src/config/store';
import { chat, createKey, type Json, openaiConfig, putConfig } from '../helpers/gateway';
import { expectOpenAIShape } from '../helpers/openapi';

const kv = env.CACHE as unknown as { get: unknown };
const realGet = kv.get;
afterEach(() => {
  kv.get = realGet;
});

describe('loading the config', () => {
  it('answers a cold isolate that cannot read KV with a 503 to retry, then serves once KV is back', async () => {
    expect((await putConfig(openaiConfig())).status).toBe(200);
    const { key } = await createKey();
    const ask = { model: 'fast', messages: [{ role: 'user', content: 'x' }] };
    forgetConfig(); // as in a fresh isolate
    kv.get = () => Promise.reject(new Error('KV GET failed: 503 Service Unavailable'));
    const refused = await chat(key, ask);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    const body = await refused.json<Json>();
    expectOpenAIShape('ErrorResponse', body);
    expect(body.error.code).toBe('config_unavailable');
    kv.get = realGet;
    expect((await chat(key, ask)).status).toBe(200);
  });
});

describe('writing the served copy (KV)', () => {
  const kvPut = env.CACHE as unknown as { put: KVNamespace['put'] };
  const realPut = kvPut.put;
  afterEach(() => {
    kvPut.put = realPut;
  });

  it('puts a config written within a second of the last one in force (KV takes one write a second to a key)', async () => {
    // As on Cloudflare (Miniflare does not enforce it): a second write to the same key within a
    // second of the last is refused with a 429.
    const lastWrite = new Map<string, number>();
    kvPut.put = (key, ...rest) => {
      const now = Date.now();
      if (now - (lastWrite.get(key) ?? Number.NEGATIVE_INFINITY) < 1000)
        return Promise.reject(new Error('KV PUT failed: 429 Too Many Requests'));
      lastWrite.set(key, now);
      return realPut.call(env.CACHE, key, ...rest);
    };
    expect((await putConfig(openaiConfig())).status).toBe(200);
    const second = openaiConfig({ retry: { attempts: 1 } });
    const written = await putConfig(second);
    expect(written.status).toBe(200);
    const served = JSON.parse((await env.CACHE.get('config')) ?? 'null');
    expect(served.retry.attempts).toBe(1);
  });
});
