// Failures of the Responses API upstream through the whole Worker: errors passed through, failover
// before output, error events after it, never a made-up finish.
import { describe, expect, it } from 'vitest';
import { chat, type Json } from '../helpers/gateway';
import { expectOpenAIShape, sseEvents } from '../helpers/openapi';
import {
  ASK,
  messageItem,
  opening,
  RESPONSES,
  responseObject,
  responsesStream,
  sdkClient,
  setup,
  textEvents,
  toolStream,
  WEATHER_TOOL,
} from '../helpers/responses-upstream';
import { json, onUpstream, recorded, sse } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';

describe('failures on the Responses API', () => {
  it('keeps the code of an error event in the shape OpenAI sends it (nested under error)', async () => {
    const key = await setup();
    const rateLimited = {
      type: 'error',
      error: {
        type: 'rate_limit_error',
        code: 'rate_limit_exceeded',
        message: 'Rate limit reached for gpt-5.1-codex.',
        param: null,
      },
    };
    let answer = () => sse(responsesStream([rateLimited]));
    onUpstream(RESPONSES, () => answer());
    const before = await chat(key, { model: 'codex', stream: true, messages: ASK });
    expect(before.status).toBe(429);
    answer = () => sse(responsesStream([...opening(), ...textEvents(0, ['Hi']), rateLimited]));
    const after = await chat(key, { model: 'codex', stream: true, messages: ASK });
    expect((sseEvents(await after.text()) as Json[]).at(-1).error.code).toBe('rate_limit_exceeded');
  });

  it('never sends max_output_tokens below the Responses API minimum of 16', async () => {
    const key = await setup();
    onUpstream(RESPONSES, () => json(responseObject({ output: [messageItem('Hi')] })));
    const response = await chat(key, { model: 'codex', messages: ASK, max_tokens: 1 });
    expect(response.status).toBe(200);
    expect((recorded[0]!.body as Json).max_output_tokens).toBe(16);
  });

  it("passes an upstream 400 through OpenAI-shaped, with the upstream's message", async () => {
    const key = await setup();
    const message = "Unsupported parameter: 'temperature' is not supported with this model.";
    onUpstream(RESPONSES, () =>
      json(
        {
          error: {
            message,
            type: 'invalid_request_error',
            param: 'temperature',
            code: 'unsupported_parameter',
          },
        },
        400,
      ),
    );
    const response = await chat(key, { model: 'codex', messages: ASK, temperature: 0.2 });
    expect(response.status).toBe(400);
    const body: Json = await response.json();
    expectOpenAIShape('ErrorResponse', body);
    expect(body.error).toMatchObject({ message, type: 'invalid_request_error', param: 'temperature' });
    expect((recorded[0]!.body as Json).temperature).toBe(0.2);
  });

  it('fails over to the next target when the stream opens with response.failed', async () => {
    const key = await setup();
    onUpstream(RESPONSES, () =>
      sse(
        responsesStream([
          ...opening(),
          {
            type: 'response.failed',
            response: responseObject({
              status: 'failed',
              error: { code: 'server_error', message: 'The server had an error processing your request.' },
              usage: undefined,
            }),
          },
        ]),
      ),
    );
    const response = await chat(key, { model: 'codex-or-mock', stream: true, messages: ASK });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('mock');
    expect(await response.text()).toContain('Mock');
    expect(recorded.map((r) => r.url)).toEqual([RESPONSES]);
  });

  it('fails over to the next target when the stream opens with an error event', async () => {
    const key = await setup();
    onUpstream(RESPONSES, () =>
      sse(
        responsesStream([
          { type: 'error', code: 'server_error', message: 'The server had an error.', param: null },
        ]),
      ),
    );
    const response = await chat(key, { model: 'codex-or-mock', stream: true, messages: ASK });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('mock');
    expect(await response.text()).toContain('Mock');
  });

  it('fails over when the stream closes before any output', async () => {
    const key = await setup();
    onUpstream(RESPONSES, () => sse(responsesStream(opening())));
    const response = await chat(key, { model: 'codex-or-mock', stream: true, messages: ASK });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('mock');
    expect(await response.text()).toContain('Mock');
  });

  it('answers 429 when the stream opens with a rate-limited response.failed', async () => {
    const key = await setup();
    onUpstream(RESPONSES, () =>
      sse(
        responsesStream([
          ...opening(),
          {
            type: 'response.failed',
            response: responseObject({
              status: 'failed',
              error: { code: 'rate_limit_exceeded', message: 'Rate limit reached for gpt-5.1-codex.' },
              usage: undefined,
            }),
          },
        ]),
      ),
    );
    const response = await chat(key, { model: 'codex', stream: true, messages: ASK });
    expect(response.status).toBe(429);
    const body: Json = await response.json();
    expectOpenAIShape('ErrorResponse', body);
    expect(body.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
  });

  it('fails over on a non-streamed response with status failed', async () => {
    const key = await setup();
    onUpstream(RESPONSES, () =>
      json(
        responseObject({
          status: 'failed',
          error: { code: 'server_error', message: 'The server had an error processing your request.' },
          output: [],
          usage: undefined,
        }),
      ),
    );
    const response = await chat(key, { model: 'codex-or-mock', messages: ASK });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('mock');
  });

  it('ends a stream cut before response.completed with an error event, never a made-up finish', async () => {
    const key = await setup();
    const whole = toolStream();
    // Cut inside the function call: its arguments half sent, no output_item.done, no completed.
    const cut = whole.findIndex((frame) => frame.includes('"delta":"ty\\":\\"Pa"'));
    expect(cut).toBeGreaterThan(0);
    onUpstream(RESPONSES, () => sse(whole.slice(0, cut + 1)));
    const response = await chat(
      key,
      { model: 'codex', stream: true, messages: ASK, tools: [WEATHER_TOOL] },
      { 'x-request-id': 'responses-cut-short' },
    );
    expect(response.status).toBe(200);
    const events = sseEvents(await response.text()) as Json[];
    expect(events.map((e) => e.choices?.[0]?.delta?.content ?? '').join('')).toBe('Checking the weather.');
    const fragments = events.flatMap((e) => e.choices?.[0]?.delta?.tool_calls ?? []);
    expect(fragments.map((t: Json) => t.function.arguments).join('')).toBe('{"city":"Pa');
    expect(events.some((e) => e.choices?.some((c: Json) => c.finish_reason))).toBe(false);
    expect(events.at(-1)).toEqual({
      error: { message: expect.any(String), type: 'api_error', param: null, code: 'upstream_error' },
    });
    const row = (await waitForRows(['responses-cut-short'])).get('responses-cut-short')!;
    expect(row.errorCode).toBe('upstream_error');

    // The SDK raises it rather than returning a truncated answer as complete.
    const stream = sdkClient(key).chat.completions.stream({
      model: 'codex',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [WEATHER_TOOL],
    });
    await expect(stream.finalChatCompletion()).rejects.toThrow(/upstream provider/);
  });

  it('ends a stream with an error event when response.failed comes after output', async () => {
    const key = await setup();
    onUpstream(RESPONSES, () =>
      sse(
        responsesStream([
          ...opening(),
          ...textEvents(0, ['Partial', ' answer']),
          {
            type: 'response.failed',
            response: responseObject({
              status: 'failed',
              error: { code: 'server_error', message: 'The server had an error processing your request.' },
              output: [messageItem('Partial answer')],
            }),
          },
        ]),
      ),
    );
    const response = await chat(key, {
      model: 'codex-or-mock',
      stream: true,
      stream_options: { include_usage: true },
      messages: ASK,
    });
    expect(response.headers.get('x-tollgate-provider')).toBe('openai');
    const events = sseEvents(await response.text()) as Json[];
    expect(events.some((e) => e.choices?.some((c: Json) => c.finish_reason))).toBe(false);
    expect(events.map((e) => e.choices?.[0]?.delta?.content ?? '').join('')).toBe('Partial answer');
    // The usage the failed response reported still reaches the client, before the error.
    expect(events.at(-2).usage).toMatchObject({ prompt_tokens: 1_200, completion_tokens: 300 });
    expect(events.at(-1).error).toMatchObject({ type: 'api_error', code: 'upstream_error' });
  });
});
