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
