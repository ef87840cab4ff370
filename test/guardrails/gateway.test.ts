import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEY, forgetConfig } from '../../src/config/store';
import {
  admin,
  call,
  chat,
  createKey,
  type Json,
  OPENAI_URL,
  openaiConfig,
  putConfig,
} from '../helpers/gateway';
import { expectOpenAIShape, sseEvents } from '../helpers/openapi';
import { json, onUpstream, recorded, resetUpstream, sse } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';
import { CHAT_URL, chunk, completion, guardedKey } from './helpers';

const PII = {
  name: 'pii',
  detect: ['email', 'phone', 'credit_card', 'iban', 'ssn', 'ip', 'secret'],
  action: 'redact',
};

const setup = guardedKey;

/** An upstream that answers with the last user message it received: what the provider saw. */
function echoUpstream(): void {
  onUpstream(CHAT_URL, async (request) => {
    const body = (await request.json()) as { messages: { content: string }[]; stream?: boolean };
    const text = String(body.messages.at(-1)?.content);
    if (!body.stream) return json(completion(text));
    return sse([
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: text }),
      chunk({}, 'stop'),
      'data: [DONE]\n\n',
    ]);
  });
}
const upstreamText = (index = 0) => (recorded[index]!.body as Json).messages.at(-1).content as string;
const streamedText = (body: string) =>
  sseEvents(body)
    .map((event) => (event as Json).choices?.[0]?.delta?.content ?? '')
    .join('');

describe('guardrails through the gateway', () => {
  it('redacts PII before the provider, with placeholders consistent within the request', async () => {
    const key = await setup([PII]);
    echoUpstream();
    const prompt =
      'Mail jane@example.com or jane@example.com, card 4111 1111 1111 1111, ssn 123-45-6789, key sk-proj-abcdefghijklmnopqrstuvwxyz12, from 10.1.2.3, IBAN DE89 3704 0044 0532 0130 00, bob@example.org';
    const response = await chat(key, {
      model: 'gpt',
      messages: [
        { role: 'system', content: 'Reply to jane@example.com.' },
        { role: 'user', content: prompt },
      ],
    });
    expect(response.status).toBe(200);
    const sent = recorded[0]?.body as Json;
    expect(sent.messages[0].content).toBe('Reply to [EMAIL_1].');
    expect(sent.messages[1].content).toBe(
      'Mail [EMAIL_1] or [EMAIL_1], card [CREDIT_CARD_1], ssn [SSN_1], key [SECRET_1], from [IP_ADDRESS_1], IBAN [IBAN_1], [EMAIL_2]',
    );
    // Without restore the client sees what the provider answered: placeholders.
    expect((await response.json<Json>()).choices[0].message.content).toBe(sent.messages[1].content);
  });

  it('restores placeholders in a JSON response when the rule asks for it', async () => {
    const key = await setup([{ ...PII, restore: true }]);
    echoUpstream();
    const response = await chat(key, {
      model: 'gpt',
      messages: [{ role: 'user', content: 'I am jane@example.com, call +44 20 7946 0958' }],
    });
    expect(upstreamText()).toBe('I am [EMAIL_1], call [PHONE_1]');
    const body = await response.json<Json>();
    expectOpenAIShape('CreateChatCompletionResponse', body);
    expect(body.choices[0].message.content).toBe('I am jane@example.com, call +44 20 7946 0958');
  });

  it('restores placeholders in a stream, including one split across chunks', async () => {
    const key = await setup([{ ...PII, restore: true }]);
    onUpstream(CHAT_URL, () =>
      sse([
        chunk({ role: 'assistant', content: '' }),
        chunk({ content: 'Hello [EMA' }),
        chunk({ content: 'IL_1' }),
        chunk({ content: '], and [EMAIL_1] again [' }),
        chunk({ content: 'not a placeholder]' }),
        chunk({}, 'stop'),
        'data: [DONE]\n\n',
      ]),
    );
    const response = await chat(key, {
      model: 'gpt',
      stream: true,
      messages: [{ role: 'user', content: 'I am jane@example.com' }],
    });
    const text = await response.text();
    for (const event of sseEvents(text)) expectOpenAIShape('CreateChatCompletionStreamResponse', event);
    expect(streamedText(text)).toBe('Hello jane@example.com, and jane@example.com again [not a placeholder]');
    expect(upstreamText()).toBe('I am [EMAIL_1]');
  });

  it('restores into a JSON-mode answer JSON-escaped, so its content still parses (JSON and stream)', async () => {
    const key = await setup([{ ...PII, restore: true }]);
    const pem =
      '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n-----END PRIVATE KEY-----';
    onUpstream(CHAT_URL, async (request) => {
      const streaming = ((await request.json()) as { stream?: boolean }).stream === true;
      if (!streaming) return json(completion('{"key":"[SECRET_1]"}'));
      return sse([
        chunk({ content: '{"key":"[SEC' }),
        chunk({ content: 'RET_1]"}' }),
        chunk({}, 'stop'),
        'data: [DONE]\n\n',
      ]);
    });
    const ask = {
      model: 'gpt',
      response_format: { type: 'json_object' },
      messages: [{ role: 'user', content: `Return {"key": …} with this key:\n${pem}` }],
    };
    const answer = (await (await chat(key, ask)).json<Json>()).choices[0].message.content as string;
    expect((recorded[0]!.body as Json).messages[0].content).toContain('[SECRET_1]');
    expect(JSON.parse(answer)).toEqual({ key: pem });
    const streamed = streamedText(await (await chat(key, { ...ask, stream: true })).text());
    expect(JSON.parse(streamed)).toEqual({ key: pem });
  });

  it("scans a JSON-mode answer's values decoded: a redaction keeps it JSON, a value after an escape is seen", async () => {
    const key = await setup([
      { name: 'out-pii', detect: ['email'], action: 'redact', scope: 'output' },
      { name: 'out-ssn', detect: ['ssn'], action: 'block', scope: 'output' },
    ]);
    let answer = JSON.stringify({ note: 'Team:\nalice@example.com' });
    onUpstream(CHAT_URL, () => json(completion(answer)));
    const ask = {
      model: 'gpt',
      response_format: { type: 'json_object' },
      messages: [{ role: 'user', content: 'json please' }],
    };
    const redacted = (await (await chat(key, ask)).json<Json>()).choices[0].message.content as string;
    expect(JSON.parse(redacted)).toEqual({ note: 'Team:\n[EMAIL_1]' });
    answer = JSON.stringify({ v: 'SSN:\n123-45-6789' });
    expect((await chat(key, ask)).status).toBe(403);
    // Streamed: held whole, then scanned the same way.
    const streamOf = (json: string) =>
      sse([
        chunk({ role: 'assistant', content: json.slice(0, 12) }),
        chunk({ content: json.slice(12) }),
        chunk({}, 'stop'),
        'data: [DONE]\n\n',
      ]);
    resetUpstream();
    onUpstream(CHAT_URL, () => streamOf(JSON.stringify({ note: 'Team:\nalice@example.com' })));
    const streamed = streamedText(await (await chat(key, { ...ask, stream: true })).text());
    expect(JSON.parse(streamed)).toEqual({ note: 'Team:\n[EMAIL_1]' });
    resetUpstream();
    onUpstream(CHAT_URL, () => streamOf(JSON.stringify({ v: 'SSN:\n123-45-6789' })));
    const blocked = await (await chat(key, { ...ask, stream: true })).text();
    expect(blocked).toContain('"code":"guardrail_blocked"');
    expect(blocked).not.toContain('123-45-6789');
  });

  it('restores through the mock provider, streamed and not', async () => {
    const key = await setup([{ ...PII, restore: true }]);
    const ask = { model: 'fast', messages: [{ role: 'user', content: 'hi from jane@example.com' }] };
    const plain = await (await chat(key, ask)).json<Json>();
    expect(plain.choices[0].message.content).toBe('Mock reply to: hi from jane@example.com');
    const streamed = await (await chat(key, { ...ask, stream: true })).text();
    expect(streamedText(streamed)).toBe('Mock reply to: hi from jane@example.com');
  });

  it('blocks with 403 guardrail_blocked naming the rule, and sends nothing upstream', async () => {
    const key = await setup([
      { name: 'no-internal', pattern: 'project\\s+bluebird', flags: 'i', action: 'block' },
    ]);
    echoUpstream();
    const response = await chat(key, {
      model: 'gpt',
      messages: [{ role: 'user', content: 'Tell me about Project   Bluebird' }],
    });
    expect(response.status).toBe(403);
    const body = await response.json<Json>();
    expectOpenAIShape('ErrorResponse', body);
    expect(body.error).toMatchObject({ type: 'permission_error', code: 'guardrail_blocked' });
    expect(body.error.message).toContain("'no-internal'");
    expect(body.error.message.toLowerCase()).not.toContain('bluebird');
    expect(recorded).toHaveLength(0);
    // A refused request costs nothing: the reservation was released (the next one is admitted).
    expect((await chat(key, { model: 'gpt', messages: [{ role: 'user', content: 'fine' }] })).status).toBe(
      200,
    );
  });

  it("answers a block with the key's rate-limit headers, as every refusal after admission (chat and embeddings)", async () => {
    const key = await setup(
      [{ name: 'no-internal', pattern: 'project\\s+bluebird', flags: 'i', action: 'block' }],
      { limits: { rpm: 100 } },
    );
    const blocked = await chat(key, {
      model: 'gpt',
      messages: [{ role: 'user', content: 'Project Bluebird?' }],
    });
    expect(blocked.status).toBe(403);
    expect(blocked.headers.get('x-ratelimit-limit-requests')).toBe('100');
    expect(blocked.headers.get('x-ratelimit-remaining-requests')).toBe('99');
    const embedded = await call('/v1/embeddings', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt', input: 'project bluebird plans' }),
    });
    expect(embedded.status).toBe(403);
    expect(embedded.headers.get('x-ratelimit-limit-requests')).toBe('100');
  });

  it('flags without changing the request, and blocks on keywords from a long list', async () => {
    const keywords = Array.from({ length: 5000 }, (_, i) => `codename-${i}`);
    const key = await setup([
      { name: 'watch', keywords: ['merger'], action: 'flag' },
      { name: 'codenames', keywords, action: 'block' },
    ]);
    echoUpstream();
    const flagged = await chat(key, {
      model: 'gpt',
      messages: [{ role: 'user', content: 'The Merger is on' }],
    });
    expect(flagged.status).toBe(200);
    expect(upstreamText()).toBe('The Merger is on');
    const blocked = await chat(key, {
      model: 'gpt',
      messages: [{ role: 'user', content: 'about CODENAME-4999.' }],
    });
    expect(blocked.status).toBe(403);
    expect((await blocked.json<Json>()).error.message).toContain("'codenames'");
  });

  it('enforces prompt length, tool and response_format rules', async () => {
    const key = await setup([
      { name: 'short', maxPromptTokens: 50, action: 'block' },
      { name: 'no-shell', tools: { block: ['shell'] }, action: 'block' },
      { name: 'text-only', responseFormat: { allow: ['text'] }, action: 'block' },
    ]);
    echoUpstream();
    const ask = (extra: Record<string, unknown>, content = 'hi') =>
      chat(key, { model: 'gpt', messages: [{ role: 'user', content }], ...extra });
    const fn = (name: string) => ({ type: 'function', function: { name, parameters: { type: 'object' } } });
    const code = async (response: Response) => (await response.json<Json>()).error?.message;
    expect(await code(await ask({}, 'x'.repeat(400)))).toContain("'short'");
    expect(await code(await ask({ tools: [fn('search'), fn('shell')] }))).toContain("'no-shell'");
    expect(await code(await ask({ response_format: { type: 'json_object' } }))).toContain("'text-only'");
    expect((await ask({ tools: [fn('search')], response_format: { type: 'text' } })).status).toBe(200);
    // A file sent by file_id has no size the gateway sees: its reservation allowance
    // (limits.fileIdTokens, 30,000) is no prompt length to block on.
    const file = { type: 'file', file: { file_id: 'file-abc123' } };
    const withFile = await chat(key, {
      model: 'gpt',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Summarise this.' }, file] }],
    });
    expect(withFile.status, await withFile.clone().text()).toBe(200);
  });

  it('scans the answer with output rules: redacts in JSON and streams, blocks a JSON answer', async () => {
    const key = await setup([
      { name: 'out-pii', detect: ['email'], action: 'redact', scope: 'output' },
      { name: 'out-block', keywords: ['forbidden'], action: 'block', scope: 'output' },
    ]);
    let answer = 'write to support@vendor.com today';
    onUpstream(CHAT_URL, async (request) => {
      const streaming = ((await request.json()) as { stream?: boolean }).stream;
      if (!streaming) return json(completion(answer));
      // The address arrives split over three chunks; the held-back window still sees it whole.
      return sse([
        chunk({ role: 'assistant', content: '' }),
        chunk({ content: 'write to supp' }),
        chunk({ content: 'ort@vendor.' }),
        chunk({ content: 'com today' }),
        chunk({}, 'stop'),
        'data: [DONE]\n\n',
      ]);
    });
    const ask = { model: 'gpt', messages: [{ role: 'user', content: 'who do I write to?' }] };
    expect((await (await chat(key, ask)).json<Json>()).choices[0].message.content).toBe(
      'write to [EMAIL_1] today',
    );
    expect(streamedText(await (await chat(key, { ...ask, stream: true })).text())).toBe(
      'write to [EMAIL_1] today',
    );
    answer = 'this is forbidden';
    const blocked = await chat(key, ask);
    expect(blocked.status).toBe(403);
    expect((await blocked.json<Json>()).error).toMatchObject({ code: 'guardrail_blocked' });
    // A target answered (and was charged): the refusal names it, as a served answer would.
    expect(blocked.headers.get('x-tollgate-provider')).toBe('openai');
    expect(blocked.headers.get('x-tollgate-model')).toBe('gpt-4o-mini');
    expect(blocked.headers.get('x-tollgate-attempts')).toBe('1');
  });

  it("scans the answer's tool calls and refusal with output rules too, JSON and streamed", async () => {
    const key = await setup([
      { name: 'out-pii', detect: ['email'], action: 'redact', scope: 'output' },
      { name: 'no-secrets-out', detect: ['secret'], action: 'block', scope: 'output' },
    ]);
    let args = '{"to":"Team:\\nbob@example.com","n":1}';
    const call = (fragment: string, first: boolean) => ({
      tool_calls: [
        first
          ? { index: 0, id: 'c1', type: 'function', function: { name: 'send', arguments: fragment } }
          : { index: 0, function: { arguments: fragment } },
      ],
    });
    onUpstream(CHAT_URL, async (request) => {
      if (!((await request.json()) as { stream?: boolean }).stream) {
        const answer = completion('');
        Object.assign(answer.choices[0]!.message, {
          content: null,
          refusal: 'I will not write to alice@example.com',
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'send', arguments: args } }],
        });
        return json(answer);
      }
      const cut = Math.floor(args.length / 2);
      return sse([
        chunk({ role: 'assistant', content: null }),
        chunk(call(args.slice(0, cut), true)),
        chunk(call(args.slice(cut), false)),
        chunk({}, 'tool_calls'),
        'data: [DONE]\n\n',
      ]);
    });
    const ask = { model: 'gpt', messages: [{ role: 'user', content: 'send it' }] };
    const message = (await (await chat(key, ask)).json<Json>()).choices[0].message;
    expect(message.refusal).toBe('I will not write to [EMAIL_1]');
    expect(JSON.parse(message.tool_calls[0].function.arguments)).toEqual({ to: 'Team:\n[EMAIL_2]', n: 1 });

    // Streamed: the call's name goes at once, its arguments whole (scanned) with the finish.
    const streamed = await (await chat(key, { ...ask, stream: true })).text();
    const deltas = sseEvents(streamed).map((event) => (event as Json).choices[0]?.delta);
    const fragments = deltas.flatMap((delta: Json) => delta?.tool_calls ?? []);
    expect(fragments[0]).toMatchObject({ index: 0, id: 'c1', function: { name: 'send', arguments: '' } });
    const whole = fragments.map((f: Json) => f.function?.arguments ?? '').join('');
    expect(JSON.parse(whole)).toEqual({ to: 'Team:\n[EMAIL_1]', n: 1 });
    expect(streamed).not.toContain('bob@example.com');

    args = '{"auth":"sk-proj-abcdefghijklmnopqrstuvwxyz12"}';
    const blocked = await chat(key, ask);
    expect(blocked.status).toBe(403);
    expect((await blocked.json<Json>()).error.code).toBe('guardrail_blocked');
    const blockedStream = await (await chat(key, { ...ask, stream: true })).text();
    expect(blockedStream).toContain('guardrail_blocked');
    expect(blockedStream).not.toContain('sk-proj-');
  });

  it('holds streamed tool calls sent without an index apart, by id, and keeps chunks without choices', async () => {
    const key = await setup([{ name: 'out-pii', detect: ['email'], action: 'redact', scope: 'output' }]);
    const filter = `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], prompt_filter_results: [{ prompt_index: 0 }] })}\n\n`;
    onUpstream(CHAT_URL, () =>
      sse([
        filter,
        chunk({ role: 'assistant', content: null }),
        chunk({ tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } }] }),
        chunk({
          tool_calls: [
            { id: 'b', type: 'function', function: { name: 'g', arguments: '{"to":"bob@x.io"}' } },
          ],
        }),
        chunk({}, 'tool_calls'),
        'data: [DONE]\n\n',
      ]),
    );
    const text = await (
      await chat(key, { model: 'gpt', stream: true, messages: [{ role: 'user', content: 'go' }] })
    ).text();
    expect(text).toContain('prompt_filter_results');
    const fragments = sseEvents(text).flatMap(
      (event) => (event as Json).choices?.[0]?.delta?.tool_calls ?? [],
    );
    const byId = (id: string) =>
      fragments
        .filter((f: Json) => f.id === id)
        .map((f: Json) => f.function.arguments)
        .join('');
    expect(JSON.parse(byId('a'))).toEqual({ x: 1 });
    expect(JSON.parse(byId('b'))).toEqual({ to: '[EMAIL_1]' });
  });

  it('leaves reasoning (never scanned, never restored) out of answers that guardrails rewrite', async () => {
    const key = await setup([{ name: 'out-pii', detect: ['email'], action: 'redact', scope: 'output' }]);
    const leaky = 'the user is bob@example.com';
    onUpstream(CHAT_URL, async (request) => {
      if (!((await request.json()) as { stream?: boolean }).stream) {
        const answer = completion('fine');
        Object.assign(answer.choices[0]!.message, {
          reasoning_content: leaky,
          thinking_blocks: [{ type: 'thinking', thinking: leaky, signature: 's' }],
        });
        return json(answer);
      }
      return sse([
        chunk({ role: 'assistant', content: '', reasoning_content: leaky }),
        chunk({ thinking_blocks: [{ type: 'thinking', thinking: leaky, signature: 's' }] }),
        chunk({ content: 'fine' }),
        chunk({}, 'stop'),
        'data: [DONE]\n\n',
      ]);
    });
    const ask = { model: 'gpt', messages: [{ role: 'user', content: 'who?' }] };
    const answer = await (await chat(key, ask)).text();
    expect(JSON.parse(answer).choices[0].message.content).toBe('fine');
    const streamed = await (await chat(key, { ...ask, stream: true })).text();
    expect(streamedText(streamed)).toBe('fine');
    for (const text of [answer, streamed]) {
      expect(text).not.toContain('bob@example.com');
      expect(text).not.toMatch(/reasoning_content|thinking_blocks/);
    }
  });

  it('leaves logprobs out of answers that guardrails rewrite, and scans a legacy function_call', async () => {
    const key = await setup([{ name: 'out-pii', detect: ['email'], action: 'redact', scope: 'output' }]);
    const leaky = 'bob@example.com';
    const logprobs = {
      content: [{ token: leaky, logprob: 0, bytes: null, top_logprobs: [] }],
      refusal: null,
    };
    onUpstream(CHAT_URL, async (request) => {
      if (!((await request.json()) as { stream?: boolean }).stream) {
        const answer = completion(`write to ${leaky}`);
        Object.assign(answer.choices[0]!, { logprobs });
        Object.assign(answer.choices[0]!.message, {
          function_call: { name: 'mail', arguments: JSON.stringify({ to: leaky }) },
        });
        return json(answer);
      }
      const withLogprobs = (delta: Record<string, unknown>) =>
        chunk(delta).replace('"logprobs":null', `"logprobs":${JSON.stringify(logprobs)}`);
      return sse([
        withLogprobs({ role: 'assistant', content: 'write' }),
        chunk({}, 'stop'),
        'data: [DONE]\n\n',
      ]);
    });
    const ask = { model: 'gpt', logprobs: true, messages: [{ role: 'user', content: 'who?' }] };
    const answer = await (await chat(key, ask)).text();
    const streamed = await (await chat(key, { ...ask, stream: true })).text();
    expect(JSON.parse(answer).choices[0].logprobs).toBeNull();
    for (const text of [answer, streamed]) expect(text).not.toContain(leaky);
  });

  it('reads refusal parts, the refusal field and a legacy function_call of the prompt, and legacy functions as tools', async () => {
    const key = await setup([
      { name: 'no-email', detect: ['email'], action: 'block' },
      { name: 'no-shell', tools: { block: ['shell'] }, action: 'block' },
    ]);
    echoUpstream();
    const sends = [
      [{ role: 'assistant', content: [{ type: 'refusal', refusal: 'alice@example.com' }] }],
      [{ role: 'assistant', content: null, refusal: 'alice@example.com' }],
      [
        {
          role: 'assistant',
          content: null,
          function_call: { name: 'mail', arguments: JSON.stringify({ to: 'alice@example.com' }) },
        },
      ],
    ];
    for (const history of sends) {
      const messages = [...history, { role: 'user', content: 'go on' }];
      const response = await chat(key, { model: 'gpt', messages });
      expect(response.status, JSON.stringify(history)).toBe(403);
    }
    const legacy = await chat(key, {
      model: 'gpt',
      functions: [{ name: 'shell', parameters: { type: 'object' } }],
      messages: [{ role: 'user', content: 'list files' }],
    });
    expect(legacy.status).toBe(403);
    expect(recorded).toHaveLength(0);
  });

  it('scans content given as parts (reasoning models): text parts joined and scanned, the rest left out', async () => {
    const key = await setup([{ name: 'out-pii', detect: ['email'], action: 'redact', scope: 'output' }]);
    const parts = [
      { type: 'thinking', thinking: [{ type: 'text', text: 'the user is bob@example.com' }] },
      { type: 'text', text: 'mail ann@example.com' },
    ];
    onUpstream(CHAT_URL, async (request) => {
      if (!((await request.json()) as { stream?: boolean }).stream) {
        const answer = completion('');
        (answer.choices[0]!.message as { content: unknown }).content = parts;
        return json(answer);
      }
      return sse([
        chunk({ role: 'assistant', content: [parts[0]] }),
        chunk({ content: [parts[1]] }),
        chunk({}, 'stop'),
        'data: [DONE]\n\n',
      ]);
    });
    const ask = { model: 'gpt', messages: [{ role: 'user', content: 'who?' }] };
    const answer = await (await chat(key, ask)).text();
    expect(JSON.parse(answer).choices[0].message.content).toBe('mail [EMAIL_1]');
    const streamed = await (await chat(key, { ...ask, stream: true })).text();
    expect(streamedText(streamed)).toBe('mail [EMAIL_1]');
    for (const text of [answer, streamed]) expect(text).not.toMatch(/example\.com|thinking/);
  });

  it('ends a stream with an error event when an output rule blocks mid-stream', async () => {
    const key = await setup([
      { name: 'out-block', keywords: ['forbidden'], action: 'block', scope: 'output' },
    ]);
    onUpstream(CHAT_URL, () =>
      sse([
        chunk({ role: 'assistant', content: '' }),
        chunk({ content: `${'safe words '.repeat(10)}then forbidden` }),
        chunk({ content: ' and more after it' }),
        chunk({}, 'stop'),
        'data: [DONE]\n\n',
      ]),
    );
    const text = await (
      await chat(key, { model: 'gpt', stream: true, messages: [{ role: 'user', content: 'x' }] })
    ).text();
    expect(text).toContain('"code":"guardrail_blocked"');
    expect(text).not.toContain('forbidden');
    expect(text).not.toContain('more after it');
    // The error event ends the answer, as any mid-stream error does: no [DONE] after it.
    expect(text).not.toContain('[DONE]');
    expect(text.trimEnd().split('\n\n').at(-1)).toContain('"code":"guardrail_blocked"');
  });

  it('keeps offsets right around emoji and right-to-left text', async () => {
    const key = await setup([PII]);
    echoUpstream();
    await chat(key, {
      model: 'gpt',
      messages: [{ role: 'user', content: '😀👍🏽 שלום jane@example.com مرحبا 🇫🇷 +44 20 7946 0958 ✓' }],
    });
    expect(upstreamText()).toBe('😀👍🏽 שלום [EMAIL_1] مرحبا 🇫🇷 [PHONE_1] ✓');
  });

  it('handles a 1 MB adversarial prompt in bounded time', async () => {
    const key = await setup([
      { ...PII, restore: true },
      { name: 'nested', pattern: '(a+)+$', action: 'flag' },
      { name: 'words', keywords: Array.from({ length: 2000 }, (_, i) => `word${i}`), action: 'flag' },
    ]);
    const prompt = `${'a@'.repeat(200_000)}${'1 '.repeat(100_000)}${'a'.repeat(400_000)}!`;
    const started = Date.now();
    const response = await chat(key, { model: 'fast', messages: [{ role: 'user', content: prompt }] });
    expect(response.status).toBe(200);
    await response.text();
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('applies rules by name per key and per team: opt out, opt in, unknown names refused', async () => {
    await setup([PII, { name: 'strict', keywords: ['draft'], action: 'block', enabled: false }]);
    echoUpstream();
    const ask = (key: string) =>
      chat(key, { model: 'gpt', messages: [{ role: 'user', content: 'draft to jane@example.com' }] });

    const plain = (await createKey()).key;
    expect((await ask(plain)).status).toBe(200);
    expect(upstreamText(0)).toBe('draft to [EMAIL_1]');

    const optedOut = (await createKey({ guardrails: ['-pii'] })).key;
    await ask(optedOut);
    expect(upstreamText(1)).toBe('draft to jane@example.com');

    const strict = (await createKey({ guardrails: ['strict'] })).key;
    expect((await ask(strict)).status).toBe(403);

    const team = await (
      await admin('/admin/teams', 'POST', { name: 'research', guardrails: ['-pii', 'strict'] })
    ).json<Json>();
    expect(team.guardrails).toEqual(['-pii', 'strict']);
    const member = (await createKey({ team: team.id })).key;
    expect((await ask(member)).status).toBe(403);
    const exempt = (await createKey({ team: team.id, guardrails: ['-strict'] })).key;
    await ask(exempt);
    expect(upstreamText(2)).toBe('draft to jane@example.com');
    const readded = (await createKey({ team: team.id, guardrails: ['-strict', 'pii'] })).key;
    await ask(readded);
    expect(upstreamText(3)).toBe('draft to [EMAIL_1]');

    const unknown = await admin('/admin/keys', 'POST', { name: 'x', guardrails: ['nope'] });
    expect(unknown.status).toBe(400);
    expect((await unknown.json<Json>()).error.param).toBe('guardrails[0]');
  });
});

describe('a value split across text parts', () => {
  const parts = (...texts: string[]) => texts.map((text) => ({ type: 'text', text }));
  const sentParts = () => (recorded[0]!.body as Json).messages[0].content;
  /** Answers with the text parts of the last message it received, joined: what the provider read. */
  function echoParts(): void {
    onUpstream(CHAT_URL, async (request) => {
      const body = (await request.json()) as { messages: { content: { text?: string }[] }[] };
      return json(
        completion(
          body.messages
            .at(-1)!
            .content.map((part) => part.text ?? '')
            .join(''),
        ),
      );
    });
  }
  async function loggedRow(response: Response) {
    const id = response.headers.get('x-tollgate-request-id')!;
    return (await waitForRows([id], 8000, 'id')).get(id)!;
  }

  it('is redacted in the part where it starts, the next part losing the rest, in the body and the log', async () => {
    const key = await setup([PII], { logBodies: true });
    echoParts();
    const response = await chat(key, {
      model: 'gpt',
      messages: [{ role: 'user', content: parts('my card is 4111 1111 ', '1111 1111, thanks') }],
    });
    expect(response.status).toBe(200);
    expect(sentParts()).toEqual(parts('my card is [CREDIT_CARD_1]', ', thanks'));
    expect((await response.json<Json>()).choices[0].message.content).toBe(
      'my card is [CREDIT_CARD_1], thanks',
    );
    const row = await loggedRow(response);
    expect(row.guardrails).toEqual([{ rule: 'pii', action: 'redact', count: 1 }]);
    expect(JSON.parse(row.requestBody!).messages[0].content).toEqual(sentParts());
    expect(row.requestBody).not.toContain('1111');
  });

  it('spanning three parts leaves the middle one empty, is counted once and restored in the answer', async () => {
    const key = await setup([{ ...PII, restore: true }], { logBodies: true });
    echoParts();
    const response = await chat(key, {
      model: 'gpt',
      messages: [{ role: 'user', content: parts('mail alice@', 'example', '.com, or bob@example.org') }],
    });
    expect(response.status).toBe(200);
    // bob@example.org lies inside one part: redacted once, with one placeholder, counted once.
    expect(sentParts()).toEqual(parts('mail [EMAIL_1]', '', ', or [EMAIL_2]'));
    expect((await response.json<Json>()).choices[0].message.content).toBe(
      'mail alice@example.com, or bob@example.org',
    );
    const row = await loggedRow(response);
    expect(row.guardrails).toEqual([{ rule: 'pii', action: 'redact', count: 2 }]);
    expect(row.requestBody).not.toMatch(/alice@|example\.com|bob@/);
  });
});

describe("guardrails on an assistant message's tool-call arguments", () => {
  const withToolCall = (args: string) => ({
    model: 'gpt',
    messages: [
      { role: 'user', content: 'go' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'send', arguments: args } }],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'done' },
    ],
  });
  const sentArgs = () => (recorded[0]!.body as Json).messages[1].tool_calls[0].function.arguments as string;

  it('scans each JSON value decoded: PII after an escape is redacted and the JSON stays valid', async () => {
    const key = await setup([PII]);
    onUpstream(CHAT_URL, () => json(completion('ok')));
    const args = JSON.stringify({
      to: 'Team:\nalice@example.com',
      note: 'Card:\n4111111111111111\nSSN:\t123-45-6789\nkey:\nsk-proj-abcdefghijklmnopqrstuvwxyz12',
      hosts: '10.0.0.1\n10.0.0.2',
      card: 4111111111111111,
      count: 3,
    });
    expect((await chat(key, withToolCall(args))).status).toBe(200);
    const sent = JSON.parse(sentArgs());
    expect(sent).toEqual({
      to: 'Team:\n[EMAIL_1]',
      note: 'Card:\n[CREDIT_CARD_1]\nSSN:\t[SSN_1]\nkey:\n[SECRET_1]',
      hosts: '[IP_ADDRESS_1]\n[IP_ADDRESS_2]',
      card: '[CREDIT_CARD_1]', // a number holding a card number: the placeholder, as a string
      count: 3,
    });
  });

  it('redacts a value that spans quotes and newlines, such as a PEM private key', async () => {
    const key = await setup([PII]);
    onUpstream(CHAT_URL, () => json(completion('ok')));
    const pem =
      '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\nMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n-----END PRIVATE KEY-----\n';
    expect((await chat(key, withToolCall(JSON.stringify({ path: 'id.pem', content: pem })))).status).toBe(
      200,
    );
    expect(sentArgs()).not.toContain('MIIEvQIBADANBgkqhkiG9w0BAQEF');
    expect(JSON.parse(sentArgs()).content).toBe('[SECRET_1]\n');
  });

  it('leaves arguments with nothing to redact byte for byte, and scans arguments that are not JSON as text', async () => {
    const key = await setup([PII]);
    onUpstream(CHAT_URL, () => json(completion('ok')));
    const untouched = '{ "city" :  "Paris",\n "days": [1, 2] }';
    await chat(key, withToolCall(untouched));
    expect(sentArgs()).toBe(untouched);
    await chat(key, withToolCall('mail alice@example.com (not JSON)'));
    expect((recorded[1]!.body as Json).messages[1].tool_calls[0].function.arguments).toBe(
      'mail [EMAIL_1] (not JSON)',
    );
  });
});

describe('guardrails on custom tools', () => {
  const mailer = {
    type: 'custom',
    custom: {
      name: 'mailer',
      description: 'Sends mail from ops@example.com',
      format: { type: 'grammar', grammar: { definition: 'start: "To: " ADDRESS', syntax: 'lark' } },
    },
  };

  it("redacts a custom tool's description and a custom call's input before the provider; a tools rule reads its name", async () => {
    const key = await setup([PII, { name: 'no-shell', tools: { block: ['shell'] }, action: 'block' }]);
    onUpstream(CHAT_URL, () => json(completion('ok')));
    // Free text, not JSON: one text, its quote and newline left as they are.
    const input = 'To: jane@example.com\n"Hi"';
    const messages = [
      { role: 'user', content: 'mail it' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c1', type: 'custom', custom: { name: 'mailer', input } }],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'sent' },
    ];
    expect((await chat(key, { model: 'gpt', messages, tools: [mailer] })).status).toBe(200);
    const sent = recorded[0]!.body as Json;
    expect(sent.messages[1].tool_calls[0].custom).toEqual({ name: 'mailer', input: 'To: [EMAIL_1]\n"Hi"' });
    expect(sent.tools[0].custom).toEqual({ ...mailer.custom, description: 'Sends mail from [EMAIL_2]' });

    const shell = { type: 'custom', custom: { name: 'shell' } };
    const blocked = await chat(key, { model: 'gpt', messages, tools: [mailer, shell] });
    expect(blocked.status).toBe(403);
    expect((await blocked.json<Json>()).error.message).toContain("'no-shell'");
    expect(recorded).toHaveLength(1);
  });

  it("scans a custom tool call's input in the answer with output rules, JSON and streamed", async () => {
    const key = await setup([{ name: 'out-pii', detect: ['email'], action: 'redact', scope: 'output' }]);
    const input = 'To: bob@example.com\n{"not": json';
    onUpstream(CHAT_URL, async (request) => {
      if (!((await request.json()) as { stream?: boolean }).stream) {
        const answer = completion('');
        answer.choices[0]!.finish_reason = 'tool_calls';
        Object.assign(answer.choices[0]!.message, {
          content: null,
          tool_calls: [{ id: 'c1', type: 'custom', custom: { name: 'mailer', input } }],
        });
        return json(answer);
      }
      // The address arrives split over two fragments.
      return sse([
        chunk({ role: 'assistant', content: null }),
        chunk({
          tool_calls: [
            { index: 0, id: 'c1', type: 'custom', custom: { name: 'mailer', input: input.slice(0, 8) } },
          ],
        }),
        chunk({ tool_calls: [{ index: 0, custom: { input: input.slice(8) } }] }),
        chunk({}, 'tool_calls'),
        'data: [DONE]\n\n',
      ]);
    });
    const ask = { model: 'gpt', messages: [{ role: 'user', content: 'mail bob' }], tools: [mailer] };
    const scanned = 'To: [EMAIL_1]\n{"not": json';
    const message = (await (await chat(key, ask)).json<Json>()).choices[0].message;
    expect(message.tool_calls[0]).toEqual({
      id: 'c1',
      type: 'custom',
      custom: { name: 'mailer', input: scanned },
    });

    const streamed = await (await chat(key, { ...ask, stream: true })).text();
    const fragments = sseEvents(streamed).flatMap(
      (event) => (event as Json).choices[0]?.delta?.tool_calls ?? [],
    );
    expect(fragments[0]).toMatchObject({ index: 0, id: 'c1', type: 'custom', custom: { name: 'mailer' } });
    expect(fragments.map((f: Json) => f.custom?.input ?? '').join('')).toBe(scanned);
    expect(streamed).not.toContain('bob@');
  });
});

describe('a rule a key or team names is never dropped silently', () => {
  // Names no other test of this file gives a key (D1 is shared between them).
  const STRICT = { name: 'kept-strict', keywords: ['draft'], action: 'block', enabled: false };
  const FREE = { ...PII, name: 'unnamed-pii' };
  const ask = (key: string) => chat(key, { model: 'gpt', messages: [{ role: 'user', content: 'a draft' }] });

  it('refuses a config or rule list that removes a rule still named, until the names are gone', async () => {
    expect((await putConfig(openaiConfig({ guardrails: [FREE, STRICT] }))).status).toBe(200);
    const { key, id: keyId } = await createKey({ guardrails: ['kept-strict'] });
    const team = await (
      await admin('/admin/teams', 'POST', { name: 'legal', guardrails: ['kept-strict'] })
    ).json<Json>();
    await createKey({ guardrails: ['-unnamed-pii'] }); // an opt-out blocks nothing

    const whole = await putConfig(openaiConfig()); // the README's example: no guardrails field
    expect(whole.status).toBe(409);
    const error = (await whole.json<Json>()).error;
    expect(error).toMatchObject({
      type: 'invalid_request_error',
      code: 'guardrail_in_use',
      param: 'guardrails',
    });
    expect(error.message).toContain(`key ${keyId} names 'kept-strict'`);
    expect(error.message).toContain(`team ${team.id} names 'kept-strict'`);
    const list = await admin('/admin/guardrails', 'PUT', [FREE]);
    expect(list.status).toBe(409);
    expect((await (await admin('/admin/guardrails')).json<Json>()).data.map((r: Json) => r.name)).toEqual([
      'unnamed-pii',
      'kept-strict',
    ]);
    echoUpstream();
    expect((await ask(key)).status).toBe(403); // still in force

    // Removing a rule nobody names is fine; kept-strict goes once no policy names it.
    expect((await admin('/admin/guardrails', 'PUT', [STRICT])).status).toBe(200);
    expect((await admin(`/admin/keys/${keyId}`, 'PATCH', { guardrails: null })).status).toBe(200);
    expect((await admin(`/admin/teams/${team.id}`, 'PATCH', { guardrails: [] })).status).toBe(200);
    expect((await putConfig(openaiConfig())).status).toBe(200);
  });

  it('keeps a rule an expired key names: the key may be extended, and would then fail closed', async () => {
    await setup([STRICT]);
    const { id } = await createKey({
      guardrails: ['kept-strict'],
      expiresAt: new Date(Date.now() + 200).toISOString(),
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const removal = await putConfig(openaiConfig());
    expect(removal.status).toBe(409);
    expect(((await removal.json()) as Json).error.message).toContain(`key ${id} names 'kept-strict'`);
    expect((await admin(`/admin/keys/${id}`, 'DELETE')).status).toBe(200); // revoked, it no longer counts
    expect((await putConfig(openaiConfig())).status).toBe(200);
  });

  it('fails a request closed (503) when its policy names a rule the config lacks', async () => {
    const key = await setup([STRICT], { guardrails: ['kept-strict'] });
    // A config edited by hand in KV, past the admin API's check.
    await env.CACHE.put(CONFIG_KEY, JSON.stringify(openaiConfig()));
    forgetConfig();
    echoUpstream();
    const response = await ask(key);
    expect(response.status).toBe(503);
    expect((await response.json<Json>()).error).toMatchObject({
      type: 'api_error',
      code: 'guardrail_missing',
    });
    expect(recorded).toHaveLength(0);
    const embeddings = await call('/v1/embeddings', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/text-embedding-3-small', input: 'a draft' }),
    });
    expect(embeddings.status).toBe(503);
    expect(recorded).toHaveLength(0);
  });
});

describe('guardrails on embeddings', () => {
  it('redacts string inputs before the provider and blocks like chat', async () => {
    const key = await setup([PII, { name: 'no-internal', keywords: ['bluebird'], action: 'block' }]);
    onUpstream(`${OPENAI_URL}/embeddings`, () =>
      json({
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }],
        model: 'text-embedding-3-small',
        usage: { prompt_tokens: 3, total_tokens: 3 },
      }),
    );
    const embed = (input: unknown) =>
      call('/v1/embeddings', {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai/text-embedding-3-small', input }),
      });
    expect((await embed(['mail jane@example.com', 'plain'])).status).toBe(200);
    expect((recorded[0]!.body as Json).input).toEqual(['mail [EMAIL_1]', 'plain']);
    expect((await embed('jane@example.com')).status).toBe(200);
    expect((recorded[1]!.body as Json).input).toBe('[EMAIL_1]');
    const blocked = await embed('the bluebird plan');
    expect(blocked.status).toBe(403);
    expect((await blocked.json<Json>()).error.code).toBe('guardrail_blocked');
    expect(recorded).toHaveLength(2);
  });
});

describe('guardrail config validation', () => {
  it('answers an invalid or unsupported regex with a 400 naming its path', async () => {
    for (const [pattern, reason] of [
      ['(a)\\1', 'backreferences'],
      ['x(?=y)', 'lookahead'],
      ['[z-a]', 'invalid regular expression'],
      ['a*', 'empty string'],
    ]) {
      const response = await putConfig(
        openaiConfig({ guardrails: [PII, { name: 'bad', pattern, action: 'block' }] }),
      );
      expect(response.status).toBe(400);
      const error = (await response.json<Json>()).error;
      expect(error.param).toBe('guardrails[1].pattern');
      expect(error.message).toContain(reason);
    }
  });

  it("refuses, when rules are stored, a pattern JavaScript's unicode mode refuses (a typo read as literals)", async () => {
    for (const pattern of ['x{,2}', 'a{', '[\\d-x]']) {
      const response = await putConfig(
        openaiConfig({ guardrails: [PII, { name: 'typo', pattern, action: 'block' }] }),
      );
      expect(response.status, pattern).toBe(400);
      const error = (await response.json<Json>()).error;
      expect(error.param).toBe('guardrails[1].pattern');
      expect(error.message).toContain('unicode mode');
      const list = await admin('/admin/guardrails', 'PUT', [{ name: 'typo', pattern, action: 'flag' }]);
      expect(list.status, pattern).toBe(400);
    }
    // A stored config with one (from before the check) is still read and served.
    await env.CACHE.put(
      CONFIG_KEY,
      JSON.stringify(openaiConfig({ guardrails: [{ name: 'old', pattern: 'x{,2}', action: 'flag' }] })),
    );
    forgetConfig();
    expect((await admin('/admin/config')).status).toBe(200);
  });

  it('refuses rules without exactly one kind, duplicate names, and redacting request rules', async () => {
    const bad = async (rule: Record<string, unknown>, param: string) => {
      const response = await putConfig(openaiConfig({ guardrails: [PII, rule] }));
      expect(response.status).toBe(400);
      expect((await response.json<Json>()).error.param).toBe(param);
    };
    await bad({ name: 'none', action: 'block' }, 'guardrails[1]');
    await bad({ name: 'two', pattern: 'x', keywords: ['y'], action: 'block' }, 'guardrails[1]');
    await bad({ name: 'pii', keywords: ['y'], action: 'block' }, 'guardrails[1].name');
    await bad({ name: 'len', maxPromptTokens: 10, action: 'redact' }, 'guardrails[1].action');
    await bad({ name: 'fl', keywords: ['y'], action: 'flag', restore: true }, 'guardrails[1].restore');
  });

  it('reads and replaces the rules through /admin/guardrails', async () => {
    // A name no key of this file's other tests uses (D1 is shared between them).
    await putConfig(openaiConfig({ guardrails: [{ ...PII, name: 'pii-list' }] }));
    expect((await (await admin('/admin/guardrails')).json<Json>()).data[0].name).toBe('pii-list');
    const bad = await admin('/admin/guardrails', 'PUT', [{ name: 'x', pattern: '(a)\\1', action: 'block' }]);
    expect(bad.status).toBe(400);
    expect((await bad.json<Json>()).error.param).toBe('guardrails[0].pattern');
    const put = await admin('/admin/guardrails', 'PUT', [{ name: 'only', keywords: ['x'], action: 'flag' }]);
    expect(put.status).toBe(200);
    const config = await (await admin('/admin/config')).json<Json>();
    expect(config.guardrails.map((rule: Json) => rule.name)).toEqual(['only']);
    expect(config.models.gpt).toBeDefined();
  });
});
