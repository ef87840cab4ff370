// The parameters OpenAI's newest models refuse, refused before the call: the route's next target
// serves the request, or with none left the client gets a 400 naming the parameter; ids the rules
// do not list, and services that are not OpenAI's or Azure's, get the request as sent.
import { describe, expect, it } from 'vitest';
import { type ChatRequest, chatRequest } from '../../src/openai/schemas';
import { openAIModelBody } from '../../src/providers/openai-model-rules';
import { Unsupported } from '../../src/providers/types';
import { call, chat, createKey, type Json, putConfig } from '../helpers/gateway';
import { expectOpenAIShape } from '../helpers/openapi';
import { json, onUpstream, recorded, sse, unexpected } from '../helpers/upstream';

const ASK = [{ role: 'user', content: 'Hi' }];
const request = (extra: Record<string, unknown>) =>
  chatRequest.parse({ model: 'm', messages: ASK, ...extra });

/** The parameter `model` refuses in the request, or undefined when it goes to OpenAI. */
function refused(model: string, extra: Record<string, unknown>): string | undefined {
  try {
    openAIModelBody(model, request(extra) as ChatRequest);
  } catch (error) {
    expect(error).toBeInstanceOf(Unsupported);
    return (error as Unsupported).param ?? undefined;
  }
  return undefined;
}

describe('openAIModelBody', () => {
  it('refuses the efforts a model does not take, naming the field that asked', () => {
    expect(refused('gpt-6-astra', { reasoning_effort: 'none' })).toBe('reasoning_effort');
    expect(refused('gpt-6.1-sol', { reasoning_effort: 'none' })).toBe('reasoning_effort');
    expect(refused('gpt-6.2-sol', { reasoning_effort: 'none' })).toBe('reasoning_effort');
    expect(refused('gpt-6-sol', { reasoning_effort: 'minimal' })).toBe('reasoning_effort');
    expect(refused('gpt-5.6-terra', { reasoning_effort: 'minimal' })).toBe('reasoning_effort');
    expect(refused('gpt-6.2-astra', { reasoning: { effort: 'none' } })).toBe('reasoning.effort');
    for (const effort of ['low', 'medium', 'high', 'xhigh', 'max'])
      expect(refused('gpt-6-astra', { reasoning_effort: effort }), effort).toBeUndefined();
    expect(refused('gpt-6-luna', { reasoning_effort: 'none' })).toBeUndefined();
    expect(refused('gpt-5.6-sol', { reasoning_effort: 'none' })).toBeUndefined();
  });

  it('refuses sampling and logprobs on GPT-6 while it reasons, at its default effort too', () => {
    expect(refused('gpt-6-sol', { temperature: 0.2 })).toBe('temperature');
    expect(refused('gpt-6-luna', { reasoning_effort: 'low', top_p: 0.5 })).toBe('top_p');
    expect(refused('gpt-6-astra', { logprobs: true })).toBe('logprobs');
    expect(refused('gpt-6.1-terra', { top_logprobs: 3 })).toBe('top_logprobs');
    expect(refused('gpt-6.1-sol', { include: ['message.output_text.logprobs'] })).toBe('include');
  });

  it('lets through what the model takes: effort none, the defaults, and GPT-5.6 sampling', () => {
    expect(
      refused('gpt-6-sol', { reasoning_effort: 'none', temperature: 0.2, logprobs: true }),
    ).toBeUndefined();
    expect(refused('gpt-6-astra', { temperature: 1, top_p: 1, logprobs: false })).toBeUndefined();
    expect(refused('gpt-5.6-sol', { temperature: 0.2 })).toBeUndefined();
  });

  it('leaves out a top_logprobs of 0 while GPT-6 reasons (it asks for nothing), and keeps it elsewhere', () => {
    const zero = request({ top_logprobs: 0, logprobs: false }) as ChatRequest;
    const sent = openAIModelBody('gpt-6-astra', zero);
    expect(sent).not.toHaveProperty('top_logprobs');
    expect(sent).toMatchObject({ logprobs: false, messages: ASK });
    expect(zero.top_logprobs).toBe(0);
    const none = request({ top_logprobs: 0, reasoning_effort: 'none' }) as ChatRequest;
    expect(openAIModelBody('gpt-6-sol', none)).toBe(none);
    expect(openAIModelBody('gpt-5.6-sol', zero)).toBe(zero);
    expect(refused('gpt-6-sol', { top_logprobs: 1 })).toBe('top_logprobs');
    expect(refused('gpt-6-sol', { top_logprobs: 0, logprobs: true })).toBe('logprobs');
  });

  it('leaves ids it does not list alone: snapshots, variants, other models', () => {
    for (const model of [
      'gpt-6-astra-2026-09-03',
      'gpt-6-astra-pro',
      'gpt-6.1-sol-chat-latest',
      'gpt-4o',
      'o3',
    ])
      expect(refused(model, { reasoning_effort: 'none', temperature: 0.2 }), model).toBeUndefined();
  });
});

const TOOL = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } };

const OPENAI_REFUSAL =
  "Unsupported parameter: 'temperature' is not supported with this model when reasoning effort is not 'none'.";

const COMPLETION = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1_762_300_000,
  model: 'gpt-6-sol',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'Hello.', refusal: null },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
};

const CHUNK = {
  id: 'c',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'gpt-6-sol',
  choices: [{ index: 0, delta: { content: 'Hello.' }, logprobs: null, finish_reason: 'stop' }],
};

async function setup() {
  const target = (provider: string, model: string) => ({ provider, model });
  const response = await putConfig({
    providers: {
      direct: { type: 'openai', apiKey: 'sk-direct' },
      // Another service behind its own URL answers these names its own way.
      proxy: { type: 'openai', baseUrl: 'https://upstream.test/v1', apiKey: 'sk-proxy' },
      azure: { type: 'azure-openai', resourceName: 'contoso', apiKey: 'azure-key-1' },
      mock: { type: 'mock' },
    },
    models: {
      astra: { targets: [target('direct', 'gpt-6-astra')] },
      sol: { targets: [target('direct', 'gpt-6-sol')] },
      'sol-or-mock': { targets: [target('direct', 'gpt-6-sol'), target('mock', 'mock-1')] },
      'proxy-sol': { targets: [target('proxy', 'gpt-6-sol')] },
      'azure-astra': { targets: [target('azure', 'gpt-6-astra')] },
    },
    retry: { attempts: 0 },
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await createKey()).key;
}

describe("OpenAI's model rules through the gateway", () => {
  it('answers a single-target route with a 400 naming the parameter, without calling OpenAI', async () => {
    const key = await setup();
    for (const [model, body, param] of [
      ['astra', { reasoning_effort: 'none' }, 'reasoning_effort'],
      ['sol', { temperature: 0.2 }, 'temperature'],
      ['sol', { stream: true, reasoning_effort: 'high', logprobs: true }, 'logprobs'],
      ['azure-astra', { reasoning_effort: 'minimal' }, 'reasoning_effort'],
      // Function tools take GPT-6 Astra to the Responses API: the same rules hold there.
      ['astra', { tools: [TOOL], reasoning_effort: 'high', temperature: 0.2 }, 'temperature'],
    ] as const) {
      const response = await chat(key, { model, messages: ASK, ...body });
      expect(response.status, model).toBe(400);
      const error = ((await response.json()) as Json).error;
      expect(error, model).toMatchObject({ type: 'invalid_request_error', param });
      expect(error.message, model).toContain("is not supported with the 'gpt-6-");
    }
    expect(recorded).toEqual([]);
    expect(unexpected).toEqual([]);
  });

  it("passes the request to the route's next target", async () => {
    const key = await setup();
    // OpenAI's own answer, which would end the request: a caller's fault is not failed over.
    onUpstream('https://api.openai.com/v1/chat/completions', () =>
      json(
        {
          error: { message: OPENAI_REFUSAL, type: 'invalid_request_error', param: 'temperature', code: null },
        },
        400,
      ),
    );
    const response = await chat(key, { model: 'sol-or-mock', messages: ASK, temperature: 0.2 });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('mock');
    expectOpenAIShape('CreateChatCompletionResponse', await response.json());
    expect(recorded).toEqual([]);
    expect(unexpected).toEqual([]);
  });

  it("serves a top_logprobs of 0 while GPT-6 reasons, sending OpenAI none (an SDK's default)", async () => {
    const key = await setup();
    onUpstream('https://api.openai.com/v1/chat/completions', (_request, { body }) =>
      (body as Json).stream
        ? sse([`data: ${JSON.stringify(CHUNK)}\n\n`, 'data: [DONE]\n\n'])
        : json(COMPLETION),
    );
    for (const stream of [false, true]) {
      const response = await chat(key, { model: 'sol', messages: ASK, top_logprobs: 0, stream });
      expect(response.status, await response.clone().text()).toBe(200);
      await response.text();
    }
    expect(recorded).toHaveLength(2);
    for (const { body } of recorded) {
      expect(body).toMatchObject({ model: 'gpt-6-sol', messages: ASK });
      expect(body).not.toHaveProperty('top_logprobs');
    }
  });

  it('serves a Responses request whose top_logprobs of 0 asks for no logprobs (no include) while GPT-6 reasons', async () => {
    const key = await setup();
    onUpstream('https://api.openai.com/v1/chat/completions', () => json(COMPLETION));
    const responses = (extra: Json) =>
      call('/v1/responses', {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sol', input: 'Hi', top_logprobs: 0, ...extra }),
      });
    const served = await responses({});
    expect(served.status, await served.clone().text()).toBe(200);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.body).not.toHaveProperty('logprobs');
    expect(recorded[0]!.body).not.toHaveProperty('top_logprobs');
    // Logprobs asked for, as the Responses API asks: refused while the model reasons, naming `include`.
    const asked = await responses({ include: ['message.output_text.logprobs'] });
    expect(asked.status).toBe(400);
    expect((await asked.json<Json>()).error.param).toBe('include');
    expect(recorded).toHaveLength(1);
  });

  it('forwards a combination the model takes unchanged, and any request to another service', async () => {
    const key = await setup();
    onUpstream('https://api.openai.com/v1/chat/completions', () => json(COMPLETION));
    onUpstream('https://upstream.test/v1/chat/completions', () => json(COMPLETION));
    const allowed = {
      reasoning_effort: 'none',
      temperature: 0.2,
      top_p: 0.9,
      logprobs: true,
      top_logprobs: 2,
    };
    const response = await chat(key, { model: 'sol-or-mock', messages: ASK, ...allowed });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('direct');
    expect(recorded[0]!.url).toBe('https://api.openai.com/v1/chat/completions');
    expect(recorded[0]!.body).toMatchObject({ model: 'gpt-6-sol', messages: ASK, ...allowed });

    const proxied = await chat(key, { model: 'proxy-sol', messages: ASK, temperature: 0.2 });
    expect(proxied.status, await proxied.clone().text()).toBe(200);
    expect(recorded[1]!.body).toMatchObject({ model: 'gpt-6-sol', temperature: 0.2 });
  });
});
