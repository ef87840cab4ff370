import { describe, expect, it } from 'vitest';
import { responsesRequest } from '../../src/openai/responses-schema';
import { call, createKey, type Json } from '../helpers/gateway';

const parse = (body: string) => responsesRequest.safeParse(JSON.parse(body));

describe('Responses request: metadata', () => {
  it('takes up to 16 string pairs, as OpenAI does', () => {
    expect(parse('{"model":"m","input":"x","metadata":{"a":"b","user":"u1"}}').success).toBe(true);
    const sixteen = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, 'v']));
    expect(responsesRequest.safeParse({ model: 'm', input: 'x', metadata: sixteen }).success).toBe(true);
    expect(
      responsesRequest.safeParse({ model: 'm', input: 'x', metadata: { ...sixteen, k16: 'v' } }).success,
    ).toBe(false);
    expect(parse(`{"model":"m","input":"x","metadata":{"a":"${'v'.repeat(513)}"}}`).success).toBe(false);
    expect(parse('{"model":"m","input":"x","metadata":{"a":1}}').success).toBe(false);
  });

  it('refuses a __proto__ entry that is not a string (z.record let it through, and the answer echoed it)', async () => {
    expect(
      parse('{"model":"m","input":"x","metadata":{"a":"b","__proto__":{"polluted":true}}}').success,
    ).toBe(false);
    const { key } = await createKey();
    const response = await call('/v1/responses', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: '{"model":"fast","input":"hi","stream":true,"metadata":{"a":"b","__proto__":{"polluted":true}}}',
    });
    expect(response.status).toBe(400);
    expect((await response.json<Json>()).error).toMatchObject({
      type: 'invalid_request_error',
      param: 'metadata',
    });
  });
});
