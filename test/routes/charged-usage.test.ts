// The usage every API answers is the usage the gateway charged: the provider's report, or, where it
// gave none (or an implausible one), the estimate the log row marks `estimated`.
import { describe, expect, it } from 'vitest';
import { chunk } from '../helpers/chat-chunks';
import { chat, type Json, messages, OPENAI_URL, openaiKey, responses } from '../helpers/gateway';
import { responseEvents } from '../helpers/openapi';
import { json, onUpstream, recorded, sse } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';

const setup = openaiKey;

const answerText = 'An answer of a few words, estimated by its characters.';

/** A chat completion whose usage is `usage` (left out when undefined). */
function completion(usage?: unknown): Json {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: answerText },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    ...(usage === undefined ? {} : { usage }),
  };
}

/** The stream of the same answer, ending with a usage chunk of `usage` when there is one. */
function stream(usage?: unknown): Response {
  const frames = [
    chunk({ role: 'assistant', content: '' }),
    chunk({ content: answerText }),
    chunk({}, 'stop'),
  ];
  if (usage !== undefined)
    frames.push(`data: ${JSON.stringify({ ...JSON.parse(chunk({}).slice(6)), choices: [], usage })}\n\n`);
  return sse([...frames, 'data: [DONE]\n\n']);
}

/** The upstream answers JSON or a stream, as asked, with `usage` (none when undefined). */
function upstreamReporting(usage?: unknown) {
  onUpstream(`${OPENAI_URL}/chat/completions`, (_request, sent) =>
    (sent.body as Json).stream ? stream(usage) : json(completion(usage)),
  );
}

/** The data of each chat stream event, `[DONE]` left out. */
function chatEvents(text: string): Json[] {
  return text
    .split('\n\n')
    .filter((frame) => frame.startsWith('data: ') && frame !== 'data: [DONE]')
    .map((frame) => JSON.parse(frame.slice(6)));
}

/** Anthropic SSE events' data. */
function anthropicEvents(text: string): Json[] {
  return text
    .split('\n\n')
    .filter((frame) => frame !== '')
    .map((frame) => JSON.parse(frame.split('\n')[1]!.slice(6)));
}

const ask = { model: 'gpt', messages: [{ role: 'user', content: 'Tell me something.' }] };
const askResponses = { model: 'gpt', input: 'Tell me something.' };
const askMessages = {
  model: 'gpt',
  max_tokens: 200,
  messages: [{ role: 'user', content: 'Tell me something.' }],
};

/** Each API's answer, JSON and streamed, as [input, output] tokens it reports, by request id. */
async function everyAnswer(key: string, estimated = true): Promise<Map<string, [number, number]>> {
  const told = new Map<string, [number, number]>();
  const id = (response: Response) => response.headers.get('x-request-id')!;

  const chatJson = await chat(key, ask);
  const { usage }: Json = await chatJson.json();
  told.set(id(chatJson), [usage.prompt_tokens, usage.completion_tokens]);
  const chatStream = await chat(key, { ...ask, stream: true, stream_options: { include_usage: true } });
  const last = chatEvents(await chatStream.text()).at(-1);
  expect(last.choices).toEqual([]); // the usage chunk, last before [DONE]
  told.set(id(chatStream), [last.usage.prompt_tokens, last.usage.completion_tokens]);

  const responsesJson = await responses(key, askResponses);
  const response: Json = await responsesJson.json();
  told.set(id(responsesJson), [response.usage.input_tokens, response.usage.output_tokens]);
  const responsesStream = await responses(key, { ...askResponses, stream: true });
  const completed: Json = responseEvents(await responsesStream.text()).at(-1);
  expect(completed.type).toBe('response.completed');
  told.set(id(responsesStream), [
    completed.response.usage.input_tokens,
    completed.response.usage.output_tokens,
  ]);

  const messagesJson = await messages(key, askMessages);
  const message: Json = await messagesJson.json();
  told.set(id(messagesJson), [message.usage.input_tokens, message.usage.output_tokens]);
  const messagesStream = await messages(key, { ...askMessages, stream: true });
  const events = anthropicEvents(await messagesStream.text());
  const delta = events.find((e) => e.type === 'message_delta');
  // Estimated, message_start's estimate of the prompt and message_delta's final count agree.
  if (estimated) expect(events[0].message.usage.input_tokens).toBe(delta.usage.input_tokens);
  told.set(id(messagesStream), [delta.usage.input_tokens, delta.usage.output_tokens]);
  return told;
}

/** Every answer told the tokens its log row charged, and the row says they were estimated. */
async function expectToldAsCharged(told: Map<string, [number, number]>) {
  const rows = await waitForRows([...told.keys()], 8000, 'id');
  for (const [id, [input, output]] of told) {
    const row = rows.get(id)!;
    expect(row.usageDetail, id).toEqual({ estimated: true });
    expect(input, id).toBeGreaterThan(0);
    expect(output, id).toBeGreaterThan(0);
    expect([input, output], id).toEqual([row.inputTokens, row.outputTokens]);
  }
}

describe('the usage answered when the provider reports none', () => {
  it('is what was charged, on chat, Responses and Messages, JSON and streamed', async () => {
    const key = await setup();
    upstreamReporting(undefined);
    await expectToldAsCharged(await everyAnswer(key));
  });

  it('is not sent to a chat stream that did not ask for usage', async () => {
    const key = await setup();
    upstreamReporting(undefined);
    const text = await (await chat(key, { ...ask, stream: true })).text();
    expect(chatEvents(text).filter((event) => event.usage)).toEqual([]);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('is stored with a cached answer, and told again by a hit, JSON and streamed', async () => {
    const key = await setup({ cache: { exact: { enabled: true } } });
    upstreamReporting(undefined);
    const first: Json = await (await chat(key, ask)).json();
    const hit = await chat(key, ask);
    expect(hit.headers.get('x-tollgate-cache')).toBe('hit-exact');
    expect(((await hit.json()) as Json).usage).toEqual(first.usage);
    // An answer stored from a stream (another question) is replayed with the usage its stream told.
    const streamed = {
      model: 'gpt',
      messages: [{ role: 'user', content: 'Another thing.' }],
      stream: true,
      stream_options: { include_usage: true },
    };
    const told = chatEvents(await (await chat(key, streamed)).text()).at(-1).usage;
    expect(told.completion_tokens).toBeGreaterThan(0);
    const replayed = await chat(key, streamed);
    expect(replayed.headers.get('x-tollgate-cache')).toBe('hit-exact');
    expect(chatEvents(await replayed.text()).at(-1).usage).toEqual(told);
    const json = await chat(key, { model: streamed.model, messages: streamed.messages });
    expect(json.headers.get('x-tollgate-cache')).toBe('hit-exact');
    expect(((await json.json()) as Json).usage).toEqual(told);
    expect(recorded).toHaveLength(2);
  });
});

describe('an implausible usage report', () => {
  for (const usage of [
    { prompt_tokens: -100, completion_tokens: -5 },
    { prompt_tokens: 1e12, completion_tokens: -5 },
    { prompt_tokens: 5e8, completion_tokens: 3, total_tokens: 5e8 + 3 }, // past any request's size
    { prompt_tokens: 10.5, completion_tokens: 3 },
    { prompt_tokens: 10, completion_tokens: '3' },
  ])
    it(`is charged and answered as none: ${JSON.stringify(usage)}`, async () => {
      const key = await setup();
      upstreamReporting(usage);
      await expectToldAsCharged(await everyAnswer(key));
    });

  it('is taken out of a chunk that carries content too', async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, () =>
      sse([
        chunk({ role: 'assistant', content: '' }),
        chunk({ content: answerText }, 'stop', { usage: { prompt_tokens: -1, completion_tokens: 9 } }),
        'data: [DONE]\n\n',
      ]),
    );
    const response = await chat(key, { ...ask, stream: true, stream_options: { include_usage: true } });
    const events = chatEvents(await response.text());
    expect(events[1].choices[0].delta.content).toBe(answerText);
    expect(events[1].usage).toBeUndefined();
    const row = (await waitForRows([response.headers.get('x-request-id')!], 8000, 'id')).values().next()
      .value!;
    expect(events.at(-1).usage).toMatchObject({
      prompt_tokens: row.inputTokens,
      completion_tokens: row.outputTokens,
    });
    expect(row.usageDetail).toEqual({ estimated: true });
  });

  it('leaves a plausible report as the provider wrote it, not estimated', async () => {
    const key = await setup();
    const usage = { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 };
    upstreamReporting(usage);
    const told = await everyAnswer(key, false);
    const rows = await waitForRows([...told.keys()], 8000, 'id');
    for (const [id, tokens] of told) {
      expect(tokens, id).toEqual([12, 7]);
      expect(rows.get(id)!.usageDetail, id).toBeNull();
    }
  });
});
