import { describe, expect, it } from 'vitest';
import { DRAINED_BYTES, readJsonBody } from '../../src/openai/read-body';
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

describe('what a union parameter may be', () => {
  /** The 400's error for `body` posted to `path` with a fresh key. */
  async function refusal(path: string, body: unknown): Promise<Json> {
    const { key } = await createKey();
    const response = await call(path, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(400);
    const answer = await response.json<Json>();
    expectOpenAIShape('ErrorResponse', answer);
    return answer.error;
  }
  const responses = (body: object) => refusal('/v1/responses', { model: 'fast', ...body });
  const chatting = (body: object) =>
    refusal('/v1/chat/completions', { model: 'fast', messages: hello, ...body });

  it("says a Responses 'input' is required, or what it may be and what it was", async () => {
    expect(await responses({})).toMatchObject({
      param: 'input',
      message: "Invalid 'input': is required (expected a string or an array of input items)",
    });
    expect(await responses({ input: 42 })).toMatchObject({
      param: 'input',
      message: "Invalid 'input': expected a string or an array of input items, received number",
    });
    // An array: the item at fault is named.
    expect(await responses({ input: [42] })).toMatchObject({
      param: 'input[0]',
      message: "Invalid 'input[0]': Invalid input: expected object, received number",
    });
  });

  it('says what a tool choice may be, on both APIs, and what a named one lacks', async () => {
    const expected = "expected 'none', 'auto', 'required', or an object naming a tool";
    const tools = [{ type: 'function', name: 'f', parameters: {} }];
    for (const refused of [
      await responses({ input: 'hi', tools, tool_choice: 42 }),
      await chatting({ tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 42 }),
    ])
      expect(refused).toMatchObject({
        param: 'tool_choice',
        message: `Invalid 'tool_choice': ${expected}, received number`,
      });
    expect(await responses({ input: 'hi', tools, tool_choice: 'always' })).toMatchObject({
      message: `Invalid 'tool_choice': ${expected}`,
    });
    expect(await responses({ input: 'hi', tools, tool_choice: { type: 'function' } })).toMatchObject({
      param: 'tool_choice.name',
      message: "Invalid 'tool_choice.name': is required (expected string)",
    });
    expect(await chatting({ tools: [], tool_choice: { type: 'function' } })).toMatchObject({
      param: 'tool_choice.function',
      message: "Invalid 'tool_choice.function': is required (expected object)",
    });
  });

  it("says what chat's 'stop' and a message's content may be", async () => {
    expect(await chatting({ stop: 42 })).toMatchObject({
      param: 'stop',
      message: "Invalid 'stop': expected a string or an array of up to 4 strings, received number",
    });
    expect(await chatting({ stop: ['a', 'b', 'c', 'd', 'e'] })).toMatchObject({
      message: "Invalid 'stop': expected a string or an array of up to 4 strings",
    });
    expect(await chatting({ stop: ['a', 1] })).toMatchObject({ param: 'stop[1]' });
    expect(await chatting({ messages: [{ role: 'user', content: 42 }] })).toMatchObject({
      param: 'messages[0].content',
      message: "Invalid 'messages[0].content': expected string or array, received number",
    });
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

/** A chunked body of `chunks` pieces of `size` bytes, telling how many were read and whether it was cancelled. */
function countedBody(chunks: number, size: number) {
  const seen = { read: 0, cancelled: false };
  const piece = new Uint8Array(size).fill(0x20);
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (seen.read === chunks) return controller.close();
      seen.read += 1;
      controller.enqueue(piece);
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { seen, request: new Request('https://gateway.test/', { method: 'POST', body }) };
}

describe('a chunked body over the limit', () => {
  const MiB = 1024 * 1024;

  // Found by a README audit: cut off unread, the body broke its connection, and under `wrangler dev`
  // the next request on it was answered a plain-text 503.
  it('is read to its end and dropped before the 413, so its connection stays usable', async () => {
    const { seen, request } = countedBody(9, MiB);
    await expect(readJsonBody(request, 2 * MiB)).rejects.toMatchObject({ status: 413 });
    expect(seen).toEqual({ read: 9, cancelled: false });
  });

  it('is cancelled past what is drained, never read without end', async () => {
    const { seen, request } = countedBody(1_000, MiB);
    await expect(readJsonBody(request, 2 * MiB)).rejects.toMatchObject({ status: 413 });
    expect(seen.cancelled).toBe(true);
    // The stream pulls one piece ahead of the reader.
    expect(seen.read).toBeGreaterThanOrEqual(DRAINED_BYTES / MiB);
    expect(seen.read).toBeLessThanOrEqual(DRAINED_BYTES / MiB + 1);
  });
});
