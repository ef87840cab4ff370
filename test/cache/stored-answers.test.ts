// What the exact cache stores of an answer and gives back on a hit, either way it is asked for.
import { describe, expect, it } from 'vitest';
import azureStream from '../fixtures/azure-openai/stream.azure.sse?raw';
import { chat, createKey, type Json, putConfig } from '../helpers/gateway';
import { sseEvents } from '../helpers/openapi';
import { json, onUpstream, resetUpstream, sse } from '../helpers/upstream';
import { CHAT_URL, cachedConfig, completion, entries, sleep, stored } from './harness';

const head = { object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o' };
const frame = (body: Record<string, unknown>) =>
  `data: ${JSON.stringify({ id: 'c1', ...head, ...body })}\n\n`;

async function setup(cache: Record<string, unknown> = {}) {
  expect((await putConfig(cachedConfig(cache))).status).toBe(200);
  const created = await createKey();
  return { ...created, namespace: `key:${created.id}` };
}

/** Counts upstream calls; each answered by `answer`. */
function counted(answer: () => Response) {
  const state = { calls: 0 };
  onUpstream(CHAT_URL, () => {
    state.calls++;
    return answer();
  });
  return state;
}

describe('stored answers', () => {
  it("stores an Azure stream, whose first chunk (the prompt filter's) names no completion", async () => {
    const BASE = 'https://contoso.upstream.test';
    const config = {
      providers: { azure: { type: 'azure-openai', baseUrl: BASE, apiKey: 'azure-key-1' } },
      models: { gpt: { targets: [{ provider: 'azure', model: 'gpt4o-prod' }] } },
      cache: { exact: { enabled: true } },
    };
    expect((await putConfig(config)).status).toBe(200);
    const { key, id } = await createKey();
    let calls = 0;
    onUpstream(`${BASE}/openai/`, () => {
      calls++;
      return new Response(azureStream, { headers: { 'content-type': 'text/event-stream' } });
    });
    const request = { model: 'gpt', stream: true, messages: [{ role: 'user', content: 'hi' }] };
    expect(await (await chat(key, request)).text()).toContain('data: [DONE]');
    for (let i = 0; i < 50 && (await entries(`key:${id}`)) === 0; i++) await sleep(10);
    const again = await chat(key, request);
    await again.text();
    expect(again.headers.get('x-tollgate-cache')).toBe('hit-exact');
    expect(calls).toBe(1);
  });

  it('keeps a legacy function_call (toolCalls on): a streamed one comes back whole as JSON', async () => {
    const { key, namespace } = await setup({ toolCalls: true });
    const upstream = counted(() =>
      sse([
        frame({
          choices: [
            {
              index: 0,
              delta: {
                role: 'assistant',
                content: null,
                function_call: { name: 'get_weather', arguments: '' },
              },
              finish_reason: null,
            },
          ],
        }),
        frame({
          choices: [
            // Some services name the call on every fragment: the name is still said once.
            {
              index: 0,
              delta: { function_call: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
              finish_reason: null,
            },
          ],
        }),
        frame({ choices: [{ index: 0, delta: {}, finish_reason: 'function_call' }] }),
        'data: [DONE]\n\n',
      ]),
    );
    const request = {
      model: 'gpt',
      functions: [{ name: 'get_weather', parameters: { type: 'object' } }],
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    };
    await (await chat(key, { ...request, stream: true })).text();
    await stored(namespace);
    const hit = await chat(key, request);
    expect(hit.headers.get('x-tollgate-cache')).toBe('hit-exact');
    const body = await hit.json<Json>();
    expect(upstream.calls).toBe(1);
    expect(body.choices[0].message.function_call).toEqual({
      name: 'get_weather',
      arguments: '{"city":"Paris"}',
    });
    const streamed = await (await chat(key, { ...request, stream: true })).text();
    expect(streamed).toContain(
      '"function_call":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}',
    );
  });

  it('keeps a streamed custom tool call (toolCalls on): it comes back whole, as JSON and streamed', async () => {
    const { key, namespace } = await setup({ toolCalls: true });
    const delta = (tool_calls: unknown[], extra: Record<string, unknown> = {}) =>
      frame({ choices: [{ index: 0, delta: { ...extra, tool_calls }, finish_reason: null }] });
    const upstream = counted(() =>
      sse([
        delta([{ index: 0, id: 'call_1', type: 'custom', custom: { name: 'apply_patch', input: '' } }], {
          role: 'assistant',
          content: null,
        }),
        delta([{ index: 0, custom: { input: '*** Begin Patch\n' } }]),
        delta([{ index: 0, custom: { input: '*** End Patch' } }]),
        frame({ choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] }),
        'data: [DONE]\n\n',
      ]),
    );
    const request = {
      model: 'gpt',
      tools: [{ type: 'custom', custom: { name: 'apply_patch' } }],
      messages: [{ role: 'user', content: 'Fix the bug' }],
    };
    await (await chat(key, { ...request, stream: true })).text();
    await stored(namespace);
    const call = {
      id: 'call_1',
      type: 'custom',
      custom: { name: 'apply_patch', input: '*** Begin Patch\n*** End Patch' },
    };
    const hit = await chat(key, request);
    expect(hit.headers.get('x-tollgate-cache')).toBe('hit-exact');
    const body = await hit.json<Json>();
    expect(body.choices[0]).toMatchObject({
      message: { content: null, tool_calls: [call] },
      finish_reason: 'tool_calls',
    });
    // Streamed as OpenAI streams a custom call (the published chunk schema lacks it: openai-openapi#576).
    const streamed = await (await chat(key, { ...request, stream: true })).text();
    const calls = sseEvents(streamed).flatMap((event) => (event as Json).choices[0]?.delta?.tool_calls ?? []);
    expect(calls).toEqual([{ index: 0, ...call }]);
    expect(upstream.calls).toBe(1);
  });

  it('replays annotations (a search model’s citations) in a stream made from a JSON answer', async () => {
    const { key, namespace } = await setup();
    const annotations = [{ type: 'url_citation', url_citation: { url: 'https://example.com', title: 'Ex' } }];
    counted(() =>
      json(
        completion('Cited.', {
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: 'Cited.', refusal: null, annotations },
              logprobs: null,
              finish_reason: 'stop',
            },
          ],
        }),
      ),
    );
    const request = { model: 'gpt', messages: [{ role: 'user', content: 'Search' }] };
    await (await chat(key, request)).text();
    await stored(namespace);
    expect(await (await chat(key, { ...request, stream: true })).text()).toContain('"url_citation"');
  });

  it("keeps a provider's own reasoning fields both ways: streamed into JSON, JSON into a stream", async () => {
    const { key, namespace } = await setup();
    const details = [{ type: 'reasoning.encrypted', data: 'sig' }];
    counted(() =>
      sse([
        frame({ choices: [{ index: 0, delta: { role: 'assistant', content: '', reasoning: 'Let me ' } }] }),
        frame({ choices: [{ index: 0, delta: { reasoning: 'think.', reasoning_details: details } }] }),
        frame({ choices: [{ index: 0, delta: { content: 'Paris' }, finish_reason: 'stop' }] }),
        'data: [DONE]\n\n',
      ]),
    );
    const request = { model: 'gpt', messages: [{ role: 'user', content: 'Capital of France?' }] };
    await (await chat(key, { ...request, stream: true })).text();
    await stored(namespace);
    const hit = await chat(key, request);
    expect(hit.headers.get('x-tollgate-cache')).toBe('hit-exact');
    expect((await hit.json<Json>()).choices[0].message).toMatchObject({
      content: 'Paris',
      reasoning: 'Let me think.',
      reasoning_details: details,
    });
    const streamed = await (await chat(key, { ...request, stream: true })).text();
    expect(streamed).toContain(
      '"reasoning":"Let me think.","reasoning_details":[{"type":"reasoning.encrypted"',
    );
  });

  it('never stores audio (its id expires) nor an empty answer', async () => {
    const { key, namespace } = await setup();
    const audio = counted(() =>
      sse([
        frame({
          choices: [
            {
              index: 0,
              delta: { role: 'assistant', content: null, audio: { id: 'audio_1', transcript: 'Bonjour' } },
              finish_reason: null,
            },
          ],
        }),
        frame({
          choices: [
            {
              index: 0,
              delta: { audio: { data: 'UklGRg==', expires_at: 1_700_003_600 } },
              finish_reason: null,
            },
          ],
        }),
        frame({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
        'data: [DONE]\n\n',
      ]),
    );
    const spoken = {
      model: 'gpt',
      modalities: ['text', 'audio'],
      audio: { voice: 'alloy', format: 'pcm16' },
      messages: [{ role: 'user', content: 'Say hello in French' }],
    };
    for (let i = 0; i < 2; i++)
      expect(await (await chat(key, { ...spoken, stream: true })).text()).toContain('Bonjour');
    expect(audio.calls).toBe(2);

    resetUpstream();
    const other = await setup();
    const blank = { model: 'gpt', messages: [{ role: 'user', content: 'Say nothing' }] };
    const empty = counted(() => json(completion('')));
    for (let i = 0; i < 2; i++)
      expect((await chat(other.key, blank)).headers.get('x-tollgate-cache')).toBe('miss');
    expect(empty.calls).toBe(2);
    await sleep(50);
    expect(await entries(namespace)).toBe(0);
    expect(await entries(other.namespace)).toBe(0);
  });

  it('stores a 25k-token streamed answer whose completion is ~50 KB', async () => {
    expect((await putConfig(cachedConfig())).status).toBe(200);
    const { key, id: keyId } = await createKey();
    const id = 'chatcmpl-long';
    const chunk = (choice: Record<string, unknown>) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, logprobs: null, finish_reason: null, ...choice }] })}\n\n`;
    const parts: string[] = [chunk({ delta: { role: 'assistant', content: '' } })];
    let batch = '';
    for (let i = 0; i < 25_000; i++) {
      batch += chunk({ delta: { content: 'ab' } });
      if (i % 500 === 499) {
        parts.push(batch);
        batch = '';
      }
    }
    parts.push(chunk({ delta: {}, finish_reason: 'stop' }), 'data: [DONE]\n\n');
    onUpstream(CHAT_URL, async (request) => {
      const body = (await request.json()) as { stream?: boolean };
      return body.stream ? sse(parts) : json(completion('ab'.repeat(25_000)));
    });
    const question = { model: 'gpt', messages: [{ role: 'user', content: 'Write a lot' }] };
    const streamed = await (await chat(key, { ...question, stream: true })).text();
    expect(streamed).toContain('[DONE]');
    for (let i = 0; i < 100 && (await entries(`key:${keyId}`)) === 0; i++) await sleep(10);
    // ~50 KB of answer in ~5 MB of frames: stored, as the same answer fetched as JSON is.
    expect(await entries(`key:${keyId}`)).toBe(1);
  });
});
