import { describe, expect, it } from 'vitest';
import { carriedMessageStream } from '../../src/anthropic/messages-carried';
import { carriedEventStream } from '../../src/openai/responses-carried';
import type { Json } from '../helpers/gateway';

/** The closing event a carried stream makes of the gateway's chat error event. */
async function closing(stream: TransformStream<Uint8Array, Uint8Array>, error: Json): Promise<Json> {
  const body = new Response(`data: ${JSON.stringify({ error })}\n\n`).body!.pipeThrough(stream);
  const frames = (await new Response(body).text()).split('\n\n').filter((frame) => frame !== '');
  return JSON.parse(frames.at(-1)!.split('\n')[1]!.slice(6));
}

const error = (type: string, code: string) => ({ message: 'm', type, param: null, code });

describe("a native request's stream ended by the gateway", () => {
  it('gives a failure the request caused invalid_prompt on /v1/responses; an outage is a server_error', async () => {
    const code = async (type: string, name: string) =>
      (await closing(carriedEventStream(), error(type, name))).code;
    expect(await code('invalid_request_error', 'context_length_exceeded')).toBe('invalid_prompt');
    expect(await code('rate_limit_error', 'rate_limit_exceeded')).toBe('rate_limit_exceeded');
    expect(await code('timeout_error', 'stream_idle_timeout')).toBe('server_error');
    expect(await code('api_error', 'upstream_error')).toBe('server_error');
  });

  it('ends /v1/messages with the error type an answer of its status has', async () => {
    const type = async (openaiType: string, name: string) =>
      (await closing(carriedMessageStream(), error(openaiType, name))).error.type;
    expect(await type('invalid_request_error', 'content_filter')).toBe('invalid_request_error');
    expect(await type('timeout_error', 'stream_time_limit')).toBe('timeout_error');
    expect(await type('rate_limit_error', 'rate_limit_exceeded')).toBe('rate_limit_error');
    expect(await type('api_error', 'upstream_error')).toBe('api_error');
  });
});
