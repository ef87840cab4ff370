// Refusals of the Responses API through the whole Worker: a cap above the model's limit is lowered
// and the call made again once, as on chat completions; the request's own faults in a failed
// response or an error event are the client's 400 in the upstream's words, never a failover.
import { describe, expect, it } from 'vitest';
import { chat, type Json } from '../helpers/gateway';
import { expectOpenAIShape } from '../helpers/openapi';
import {
  ASK,
  messageItem,
  opening,
  RESPONSES,
  responseObject,
  responsesStream,
  setup,
  textEvents,
} from '../helpers/responses-upstream';
import { json, onUpstream, recorded, sse } from '../helpers/upstream';

/** OpenAI's refusal of a max_output_tokens above the model's limit, in either of its wordings. */
const capRefusal = (asked: number, limit: number, range: boolean) => ({
  error: {
    message: range
      ? `Invalid 'max_output_tokens': integer above maximum value. Expected a value <= ${limit}, but got ${asked} instead.`
      : `max_output_tokens is too large: ${asked}. This model supports at most ${limit} output tokens, whereas you provided ${asked}.`,
    type: 'invalid_request_error',
    param: 'max_output_tokens',
    code: range ? 'integer_above_max_value' : null,
  },
});

const sent = () => recorded.map((r) => (r.body as Json).max_output_tokens);

describe('refusals on the Responses API', () => {
  it('lowers a cap above the model limit to the limit the refusal names, and calls again once', async () => {
    const key = await setup();
    let range = false;
    onUpstream(RESPONSES, (_request, { body }) => {
      const asked = (body as Json).max_output_tokens as number;
      if (asked > 128_000) return json(capRefusal(asked, 128_000, range), 400);
      return (body as Json).stream
        ? sse(
            responsesStream([
              ...opening(),
              ...textEvents(0, ['Hi']),
              { type: 'response.completed', response: responseObject({ output: [messageItem('Hi')] }) },
            ]),
          )
        : json(responseObject({ output: [messageItem('Hi')] }));
    });
    const response = await chat(key, { model: 'codex', messages: ASK, max_tokens: 200_000 });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(((await response.json()) as Json).choices[0].message.content).toBe('Hi');
    expect(sent()).toEqual([200_000, 128_000]);

    recorded.length = 0;
    range = true;
    const streamed = await chat(key, {
      model: 'codex',
      stream: true,
      messages: ASK,
      max_completion_tokens: 200_000,
    });
    expect(streamed.status).toBe(200);
    expect(await streamed.text()).toContain('"content":"Hi"');
    expect(sent()).toEqual([200_000, 128_000]);
  });

  it('once: a cap refusal naming a limit the cap is already within passes through', async () => {
    const key = await setup();
    onUpstream(RESPONSES, () => json(capRefusal(100, 64, false), 400));
    const response = await chat(key, { model: 'codex', messages: ASK, max_tokens: 50 });
    expect(response.status).toBe(400);
    expect(((await response.json()) as Json).error.param).toBe('max_output_tokens');
    expect(sent()).toEqual([50]);
  });

  it("answers a failed response's caller fault 400 in the upstream's words, without failing over", async () => {
    const key = await setup();
    const message = 'Invalid prompt: your prompt was flagged as potentially violating our usage policy.';
    onUpstream(RESPONSES, () =>
      json(
        responseObject({
          status: 'failed',
          error: { code: 'invalid_prompt', message },
          output: [],
          usage: undefined,
        }),
      ),
    );
    const response = await chat(key, { model: 'codex-or-mock', messages: ASK });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-tollgate-provider')).toBe('openai');
    const body: Json = await response.json();
    expectOpenAIShape('ErrorResponse', body);
    expect(body.error).toEqual({
      message,
      type: 'invalid_request_error',
      param: null,
      code: 'invalid_prompt',
    });
    expect(recorded).toHaveLength(1);
  });

  it('answers 400 for a stream that opens with an image fault or a context overflow', async () => {
    const key = await setup();
    let first: Json = {
      type: 'response.failed',
      response: responseObject({
        status: 'failed',
        error: { code: 'image_parse_error', message: 'We could not parse the image.' },
        usage: undefined,
      }),
    };
    onUpstream(RESPONSES, () => sse(responsesStream([...opening(), first as never])));
    const image = await chat(key, { model: 'codex-or-mock', stream: true, messages: ASK });
    expect(image.status).toBe(400);
    expect(((await image.json()) as Json).error).toMatchObject({
      message: 'We could not parse the image.',
      code: 'image_parse_error',
    });

    // OpenAI's error event for an input beyond the context window, nested under `error`.
    const overflow =
      'Your input exceeds the context window of this model. Please adjust your input and try again.';
    first = {
      type: 'error',
      error: {
        type: 'invalid_request_error',
        code: 'context_length_exceeded',
        message: overflow,
        param: 'input',
      },
    };
    const context = await chat(key, { model: 'codex', stream: true, messages: ASK });
    expect(context.status).toBe(400);
    expect(((await context.json()) as Json).error).toEqual({
      message: overflow,
      type: 'invalid_request_error',
      param: 'messages',
      code: 'context_length_exceeded',
    });
  });

  it('answers 400 for an error event of type invalid_request_error without a code, not a failover', async () => {
    const key = await setup();
    const message = "Invalid 'input[0].content[0].image_url': the URL could not be read.";
    onUpstream(RESPONSES, () =>
      sse(
        responsesStream([
          { type: 'error', error: { type: 'invalid_request_error', code: null, message, param: 'input' } },
        ]),
      ),
    );
    const response = await chat(key, { model: 'codex-or-mock', stream: true, messages: ASK });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-tollgate-provider')).toBe('openai');
    expect(((await response.json()) as Json).error).toMatchObject({ message, type: 'invalid_request_error' });
    expect(recorded).toHaveLength(1);
  });
});
