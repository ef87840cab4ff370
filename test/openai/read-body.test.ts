import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, call, chat, createKey, type Json, putConfig } from '../helpers/gateway';
import { expectOpenAIShape } from '../helpers/openapi';

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const hello = [{ role: 'user', content: 'hi' }];

describe('request bodies', () => {
  // Found by test/fuzz: a 10,000-level value in an unknown parameter passed validation and then
  // overflowed the stack of the recursive cache-key code, answering 500.
  it('refuses a body nested deeper than 100 levels with a 400, wherever the nesting is', async () => {
    const { key } = await createKey();
    const withCache = { providers: { mock: { type: 'mock' } }, cache: { exact: { enabled: true } } };
    expect(
      (await putConfig({ ...withCache, models: { fast: { targets: [{ provider: 'mock', model: 'm' }] } } }))
        .status,
    ).toBe(200);
    const response = await chat(
      key,
      `{"model":"fast","messages":${JSON.stringify(hello)},"foo":${nested(10_000)}}`,
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as Json;
    expectOpenAIShape('ErrorResponse', body);
    expect(body.error.message).toMatch(/nested more than 100 levels/);

    const config = await call('/admin/config', {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: `{"providers":${nested(10_000)}}`,
    });
    expect(config.status).toBe(400);
    expectOpenAIShape('ErrorResponse', await config.json());
  });

  it('accepts nesting up to the limit', async () => {
    const { key } = await createKey();
    // The body object is level 1, so 99 levels of arrays in a field make exactly 100.
    const response = await chat(
      key,
      `{"model":"fast","messages":${JSON.stringify(hello)},"foo":${nested(99)}}`,
    );
    expect(response.status).toBe(200);
    const deeper = await chat(
      key,
      `{"model":"fast","messages":${JSON.stringify(hello)},"foo":${nested(100)}}`,
    );
    expect(deeper.status).toBe(400);
  });
});

describe('validation messages', () => {
  it('names an unknown field as the param, and says a missing one is required', async () => {
    const unknown = await (
      await call('/admin/keys', {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'x', bogus: 1, limits: { rpm: 5, burst: 2 } }),
      })
    ).json<Json>();
    // The nested one is reported first; both are named.
    expect(unknown.error).toMatchObject({ param: 'limits.burst', type: 'invalid_request_error' });
    expect(unknown.error.message).toContain("Unknown field 'bogus': remove it.");
    expect(unknown.error.message).toContain("Unknown field 'limits.burst'");

    const missing = await (
      await call('/admin/keys', {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: '{}',
      })
    ).json<Json>();
    expect(missing.error).toMatchObject({ param: 'name' });
    expect(missing.error.message).toMatch(/^Invalid 'name': is required/);
  });

  it('refuses a model name over 256 characters (it is logged, and a log row must stay small)', async () => {
    const { key } = await createKey();
    const model = `mock/${'"'.repeat(300)}`;
    const chatResponse = await chat(key, { model, messages: hello });
    const embeddings = await call('/v1/embeddings', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, input: 'hi' }),
    });
    for (const response of [chatResponse, embeddings]) {
      expect(response.status).toBe(400);
      const { error } = await response.json<Json>();
      expect(error).toMatchObject({
        param: 'model',
        message: expect.stringContaining('at most 256 characters'),
      });
    }
  });

  it('says what an embeddings input may be', async () => {
    const { key } = await createKey();
    for (const input of [[], undefined, {}]) {
      const response = await call('/v1/embeddings', {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'embeddings', input }),
      });
      expect(response.status).toBe(400);
      const { error } = await response.json<Json>();
      expect(error.param).toBe('input');
      expect(error.message).toContain('non-empty array of strings');
    }
  });
});

describe('chat request rules OpenAI enforces', () => {
  it('refuses stream_options without stream: true, naming the param', async () => {
    const { key } = await createKey();
    for (const stream of [undefined, false]) {
      const response = await chat(key, {
        model: 'fast',
        messages: hello,
        stream,
        stream_options: { include_usage: true },
      });
      expect(response.status).toBe(400);
      const { error } = await response.json<Json>();
      expect(error).toMatchObject({ param: 'stream_options', type: 'invalid_request_error' });
    }
    const streamed = await chat(key, {
      model: 'fast',
      messages: hello,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(streamed.status).toBe(200);
    await streamed.text();
  });
});
