import { describe, expect, it } from 'vitest';
import { defaultCacheConfig } from '../../src/cache/config-schema';
import { readCacheControl } from '../../src/cache/control';
import { storable, wantsVariety } from '../../src/cache/eligibility';
import { GatewayError } from '../../src/errors';
import type { ChatRequest } from '../../src/openai/schemas';
import type { ChatCompletion } from '../../src/providers/types';

const read = (headers: Record<string, string>) => readCacheControl(new Headers(headers), 3600);

describe('cache request headers', () => {
  it('reads skip, refresh (any case) and a TTL', () => {
    expect(read({})).toEqual({ mode: 'default' });
    expect(read({ 'x-tollgate-cache': 'skip' })).toEqual({ mode: 'skip' });
    expect(read({ 'x-tollgate-cache': ' Refresh ' })).toEqual({ mode: 'refresh' });
    expect(read({ 'x-tollgate-cache-ttl': '60' })).toEqual({ mode: 'default', ttlSeconds: 60 });
  });

  const bad: [string, Record<string, string>][] = [
    ['an unknown mode', { 'x-tollgate-cache': 'yes' }],
    ['an empty mode', { 'x-tollgate-cache': '' }],
    ['a TTL of 0', { 'x-tollgate-cache-ttl': '0' }],
    ['a negative TTL', { 'x-tollgate-cache-ttl': '-5' }],
    ['a fractional TTL', { 'x-tollgate-cache-ttl': '1.5' }],
    ['a TTL above the maximum', { 'x-tollgate-cache-ttl': '3601' }],
    ['a TTL that is not a number', { 'x-tollgate-cache-ttl': 'soon' }],
  ];
  for (const [what, headers] of bad) {
    it(`rejects ${what} with a 400 naming the header`, () => {
      try {
        read(headers);
        expect.fail('expected a 400');
      } catch (error) {
        expect(error).toBeInstanceOf(GatewayError);
        const e = error as GatewayError;
        expect(e.status).toBe(400);
        expect(e.toBody().error).toMatchObject({
          type: 'invalid_request_error',
          param: Object.keys(headers)[0],
          code: 'invalid_header',
        });
      }
    });
  }
});

describe('the temperature rule', () => {
  const config = defaultCacheConfig();
  const body = (extra: Partial<ChatRequest>) =>
    ({ model: 'm', messages: [{ role: 'user', content: 'x' }], ...extra }) as ChatRequest;

  it('caches an unset temperature and temperature 0', () => {
    expect(wantsVariety(body({}), config)).toBe(false);
    expect(wantsVariety(body({ temperature: null }), config)).toBe(false);
    expect(wantsVariety(body({ temperature: 0 }), config)).toBe(false);
  });

  it('bypasses an explicit temperature above maxTemperature unless a seed is set', () => {
    expect(wantsVariety(body({ temperature: 0.7 }), config)).toBe(true);
    expect(wantsVariety(body({ temperature: 0.7, seed: 1 }), config)).toBe(false);
    expect(wantsVariety(body({ temperature: 0.7 }), { ...config, maxTemperature: 1 })).toBe(false);
    expect(wantsVariety(body({ temperature: 1.5 }), { ...config, maxTemperature: 1 })).toBe(true);
  });
});

describe('storable answers', () => {
  const config = defaultCacheConfig();
  const answer = (choice: Record<string, unknown>) =>
    ({ id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [choice] }) as ChatCompletion;
  const text = { message: { role: 'assistant', content: 'hi' } };
  const call = { message: { role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function' }] } };

  it('stores stop and length, not content_filter, no choices or a missing finish reason', () => {
    expect(storable(answer({ ...text, finish_reason: 'stop' }), config)).toBe(true);
    expect(storable(answer({ ...text, finish_reason: 'length' }), config)).toBe(true);
    expect(storable(answer({ ...text, finish_reason: 'content_filter' }), config)).toBe(false);
    expect(storable(answer({ ...text, finish_reason: null }), config)).toBe(false);
    expect(storable({ ...answer(text), choices: [] }, config)).toBe(false);
  });

  it('stores tool calls only when cache.toolCalls is on', () => {
    expect(storable(answer({ ...call, finish_reason: 'tool_calls' }), config)).toBe(false);
    expect(storable(answer({ ...call, finish_reason: 'tool_calls' }), { ...config, toolCalls: true })).toBe(
      true,
    );
  });

  it('stores tool calls that finished (a forced function finishes with "stop"), no others', () => {
    const on = { ...config, toolCalls: true };
    expect(storable(answer({ ...call, finish_reason: 'stop' }), on)).toBe(true);
    for (const finish of ['length', 'content_filter', null, undefined])
      expect(storable(answer({ ...call, finish_reason: finish }), on)).toBe(false);
  });
});
