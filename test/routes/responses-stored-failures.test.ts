// Stored responses when something is off: a row that no longer parses, D1 failing on the lookup, an
// id no response of ours could have, a key the gateway does not know. Never a 500, and each answer
// the one a client can act on.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { createKey, type Json, openaiKey, responses, storedResponse } from '../helpers/gateway';
import { expectOpenAIShape } from '../helpers/openapi';

let key: string;
let keyId: string;

beforeEach(async () => {
  await openaiKey();
  ({ key, id: keyId } = await createKey());
});

const stored = storedResponse;

async function errorOf(response: Response, status: number): Promise<Json> {
  expect(response.status, await response.clone().text()).toBe(status);
  const body: Json = await response.json();
  expectOpenAIShape('ErrorResponse', body);
  return body.error;
}

/** The Worker's fetch with a D1 that fails every statement on stored_responses (others pass). */
async function withFailingStore(path: string, init: RequestInit): Promise<Response> {
  const DB = new Proxy(env.DB, {
    get(target, name) {
      if (name !== 'prepare') return Reflect.get(target, name);
      return (sql: string) => {
        if (sql.includes('stored_responses')) throw new Error('D1_ERROR: Network connection lost.');
        return target.prepare(sql);
      };
    },
  });
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`https://gateway.test${path}`, init), { ...env, DB }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

describe('stored responses, robustly', () => {
  it('reads a stored row that no longer parses as none: a 400 to continue, a 404 to read', async () => {
    for (const [id, input, response] of [
      ['resp_badinput', '[{"type":', '{"id":"resp_badinput","output":[]}'],
      ['resp_badresponse', '[]', 'not json'],
    ] as const) {
      await env.DB.prepare(
        `INSERT INTO stored_responses (id, key_id, team_id, created_at, expires_at, input, response)
         VALUES (?, ?, NULL, ?, ?, ?, ?)`,
      )
        .bind(id, keyId, Date.now(), Date.now() + 86_400_000, input, response)
        .run();
      const next = await responses(key, { model: 'fast', previous_response_id: id, input: 'Again' });
      expect((await errorOf(next, 400)).code).toBe('previous_response_not_found');
      await errorOf(await stored(key, id), 404);
    }
  });

  it('answers a 503 to retry when D1 fails on the lookup, never a 500', async () => {
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const body = JSON.stringify({ model: 'fast', previous_response_id: 'resp_any', input: 'Again' });
    const continued = await withFailingStore('/v1/responses', { method: 'POST', headers, body });
    expect(continued.headers.get('retry-after')).toBe('1');
    expect(await errorOf(continued, 503)).toMatchObject({ type: 'api_error', code: 'storage_unavailable' });
    for (const method of ['GET', 'DELETE']) {
      const read = await withFailingStore('/v1/responses/resp_any', { method, headers });
      expect(await errorOf(read, 503)).toMatchObject({ type: 'api_error', code: 'storage_unavailable' });
    }
  });

  it('refuses an id longer than any response id without asking D1, and quotes it cut short', async () => {
    const id = `resp_${'x'.repeat(100_000)}`;
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const body = JSON.stringify({ model: 'fast', previous_response_id: id, input: 'Again' });
    const continued = await withFailingStore('/v1/responses', { method: 'POST', headers, body });
    const error = await errorOf(continued, 400);
    expect(error.code).toBe('previous_response_not_found');
    expect(error.message.length).toBeLessThan(400);
    for (const [path, method] of [
      [id, 'GET'],
      [id, 'DELETE'],
      [`${id}/input_items`, 'GET'],
    ] as const) {
      const read = await withFailingStore(`/v1/responses/${path}`, {
        method,
        headers: { authorization: `Bearer ${key}` },
      });
      expect((await errorOf(read, 404)).message.length, `${method} ${path.slice(-20)}`).toBeLessThan(400);
    }
  });

  it('answers a key it does not know with a 401, as without previous_response_id', async () => {
    const unknown = `tg-${'a'.repeat(32)}`;
    const plain = await responses(unknown, { model: 'fast', input: 'Hi' });
    expect((await errorOf(plain, 401)).code).toBe('invalid_api_key');
    const continued = await responses(unknown, {
      model: 'fast',
      previous_response_id: 'resp_x',
      input: 'Hi',
    });
    expect((await errorOf(continued, 401)).code).toBe('invalid_api_key');
    const referencing = await responses(unknown, {
      model: 'fast',
      input: [
        { type: 'item_reference', id: 'msg_x' },
        { role: 'user', content: 'Hi' },
      ],
    });
    expect((await errorOf(referencing, 401)).code).toBe('invalid_api_key');
  });
});
