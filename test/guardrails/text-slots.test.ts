// Where prompt text lives in a chat request (src/guardrails/text-slots.ts), the native parameters
// included, and that reading it is paid for only by requests whose rules read it.
import { describe, expect, it } from 'vitest';
import { chatWithTexts, guardChat } from '../../src/guardrails/guard';
import { PromptBlocked } from '../../src/guardrails/report';
import { type CompiledRule, selectRules } from '../../src/guardrails/rules';
import { guardrailRuleSchema } from '../../src/guardrails/schema';
import { jsonTexts, MAX_VALUE_TEXTS, nativeTexts, textSlots } from '../../src/guardrails/text-slots';
import { EMBEDDINGS_PARAMS } from '../../src/openai/native-params';
import type { ChatRequest } from '../../src/openai/schemas';

describe('jsonTexts', () => {
  it('reads string values decoded and numbers, and rebuilds valid JSON around replacements', () => {
    const raw = '{"to": "Team:\\nbob@x.io", "card": 4111111111111111, "n": 3, "tags": ["a\\"b"]}';
    const json = jsonTexts(raw)!;
    expect(json.texts).toEqual([
      'to',
      'Team:\nbob@x.io',
      'card',
      '4111111111111111',
      'n',
      '3',
      'tags',
      'a"b',
    ]);
    const rebuilt = json.rebuild([undefined, 'Team:\n[EMAIL_1]', undefined, '[CARD_1]']);
    expect(JSON.parse(rebuilt)).toEqual({ to: 'Team:\n[EMAIL_1]', card: '[CARD_1]', n: 3, tags: ['a"b'] });
    expect(json.rebuild([])).toBe(raw);
    expect(jsonTexts('not json')).toBeUndefined();
  });

  it('reads every number, short ones too (a custom keyword may name one)', () => {
    expect(jsonTexts('{"zip": 90210, "n": [1, 2.5e3]}')!.texts).toEqual(['zip', '90210', 'n', '1', '2.5e3']);
  });
});

describe('reading the prompt', () => {
  /** A body whose tool-call arguments count how often they are read. */
  function countingBody() {
    let reads = 0;
    const fn = { name: 'f' } as Record<string, unknown>;
    Object.defineProperty(fn, 'arguments', {
      enumerable: true,
      get: () => {
        reads++;
        return '{"a": "x"}';
      },
    });
    const body = {
      model: 'm',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: fn }] },
      ],
    } as unknown as ChatRequest;
    return { body, reads: () => reads };
  }
  const rules = (list: unknown[]) =>
    selectRules(
      list.map((rule) => guardrailRuleSchema.parse(rule)),
      null,
      null,
    ) as CompiledRule[];

  it('is skipped when no rule reads it (none at all, output rules, request rules)', () => {
    for (const list of [
      [],
      [{ name: 'out', keywords: ['x'], action: 'flag', scope: 'output' }],
      [{ name: 'long', maxPromptTokens: 10, action: 'flag' }],
    ]) {
      const { body, reads } = countingBody();
      expect(guardChat(rules(list), body, 5).body).toBe(body);
      expect(reads()).toBe(0);
    }
    const { body, reads } = countingBody();
    guardChat(rules([{ name: 'in', keywords: ['x'], action: 'flag' }]), body, 5);
    expect(reads()).toBeGreaterThan(0);
    expect(textSlots(body).texts).toEqual([{ text: 'hi' }, { text: 'a' }, { text: 'x' }]);
  });

  it('refuses (413) arguments with more values than the rules may read one by one', () => {
    const huge = JSON.stringify(Array.from({ length: MAX_VALUE_TEXTS + 1 }, () => 'a'));
    const body = {
      model: 'm',
      messages: [
        { role: 'user', content: 'hi' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: huge } }],
        },
      ],
    } as unknown as ChatRequest;
    expect(() => textSlots(body)).toThrow(
      expect.objectContaining({ status: 413, code: 'request_too_large' }),
    );
  });

  it('leaves numbers of arguments that are no phone numbers as numbers (a coordinate stays a number)', () => {
    const args = '{"lon":-122.4194155,"lat":37.7749295,"card":4111111111111111}';
    const body = {
      model: 'm',
      messages: [
        { role: 'user', content: 'hi' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c', type: 'function', function: { name: 'nav', arguments: args } }],
        },
      ],
    } as unknown as ChatRequest;
    const guard = guardChat(
      rules([{ name: 'pii', detect: ['phone', 'credit_card'], action: 'redact' }]),
      body,
      10,
    );
    const sent = guard.body.messages[1] as unknown as { tool_calls: { function: { arguments: string } }[] };
    expect(sent.tool_calls[0]!.function.arguments).toBe(
      '{"lon":-122.4194155,"lat":37.7749295,"card":"[CREDIT_CARD_1]"}',
    );
  });
});

describe('text parts in a row', () => {
  const body = (parts: unknown[]) =>
    ({ model: 'm', messages: [{ role: 'user', content: parts }] }) as unknown as ChatRequest;
  const rules = (rule: Record<string, unknown>) =>
    selectRules([guardrailRuleSchema.parse(rule)], null, null) as CompiledRule[];

  it('are one text, read joined: a word split across two is caught', () => {
    const slots = textSlots(
      body([
        { type: 'text', text: 'mail alice@exa' },
        { type: 'text', text: 'mple.com now' },
        { type: 'image_url', image_url: { url: 'https://x.test/a.png' } },
        { type: 'text', text: 'after' },
      ]),
    );
    expect(slots.texts).toEqual([
      { text: 'mail alice@example.com now', parts: ['mail alice@exa', 'mple.com now'] },
      { text: 'after' },
    ]);
    const split = body([
      { type: 'text', text: 'tell me about fal' },
      { type: 'text', text: 'con nests' },
    ]);
    expect(() =>
      guardChat(rules({ name: 'bird', keywords: ['falcon'], action: 'block' }), split, 1),
    ).toThrow();
  });

  it('keep their own redactions, part by part, and words at their edges', () => {
    const source = body([
      { type: 'text', text: 'A long document', cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'My SSN' },
      { type: 'text', text: '123-45-6789, mail bob@example.com' },
    ]);
    const guard = guardChat(rules({ name: 'pii', detect: ['ssn', 'email'], action: 'redact' }), source, 1);
    expect(guard.body.messages[0]!.content).toEqual([
      { type: 'text', text: 'A long document', cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'My SSN' },
      { type: 'text', text: '[SSN_1], mail [EMAIL_1]' },
    ]);
  });

  it('redact a value split across a seam in the parts it spans, refusal parts and every message alike', () => {
    const source = {
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'ssn 123-45-' },
            { type: 'text', text: '6789 or 123-45-6789' },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'refusal', refusal: 'I will not mail alice@exa' },
            { type: 'text', text: 'mple.com' },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'it is 123-45-678' },
            { type: 'text', text: '9' },
          ],
        },
      ],
    } as unknown as ChatRequest;
    const guard = guardChat(rules({ name: 'pii', detect: ['ssn', 'email'], action: 'redact' }), source, 1);
    expect(guard.body.messages.map((message) => message.content)).toEqual([
      [
        { type: 'text', text: 'ssn [SSN_1]' },
        { type: 'text', text: ' or [SSN_1]' },
      ],
      [
        { type: 'refusal', refusal: 'I will not mail [EMAIL_1]' },
        { type: 'text', text: '' },
      ],
      [
        { type: 'text', text: 'it is [SSN_1]' },
        { type: 'text', text: '' },
      ],
    ]);
    // Four values, each counted once: the one inside a single part is not counted again joined.
    expect(guard.report.counts.get('pii')).toBe(4);
  });

  it('are not joined across an image: a value split by one is two halves, left as they are', () => {
    const source = body([
      { type: 'text', text: 'mail alice@exa' },
      { type: 'image_url', image_url: { url: 'https://x.test/a.png' } },
      { type: 'text', text: 'mple.com' },
    ]);
    const guard = guardChat(rules({ name: 'pii', detect: ['email'], action: 'redact' }), source, 1);
    expect(guard.body).toBe(source);
    expect(guard.report.counts.size).toBe(0);
  });

  it('count a flagged word once, whether inside one part or split across two', () => {
    const source = body([
      { type: 'text', text: 'a falcon' },
      { type: 'text', text: ' and a fal' },
      { type: 'text', text: 'con' },
    ]);
    const guard = guardChat(rules({ name: 'bird', keywords: ['falcon'], action: 'flag' }), source, 1);
    expect(guard.body).toBe(source);
    expect(guard.report.counts.get('bird')).toBe(2);
  });

  it('mask a value split across a seam in the parts when a blocked prompt is logged', () => {
    const source = body([
      { type: 'text', text: 'about project bluebird: card 4111 1111 ' },
      { type: 'text', text: '1111 1111' },
    ]);
    const list = selectRules(
      [
        { name: 'bird', keywords: ['bluebird'], action: 'block' },
        { name: 'pii', detect: ['credit_card'], action: 'redact' },
      ].map((rule) => guardrailRuleSchema.parse(rule)),
      null,
      null,
    ) as CompiledRule[];
    let blocked: PromptBlocked | undefined;
    try {
      guardChat(list, source, 1);
    } catch (error) {
      blocked = error as PromptBlocked;
    }
    expect(blocked).toBeInstanceOf(PromptBlocked);
    expect(chatWithTexts(source, blocked!.masked).messages[0]!.content).toEqual([
      { type: 'text', text: 'about project [BIRD_1]: card [CREDIT_CARD_1]' },
      { type: 'text', text: '' },
    ]);
  });
});

describe("the request's native parameters", () => {
  const rules = (...list: Record<string, unknown>[]) =>
    selectRules(
      list.map((rule) => guardrailRuleSchema.parse(rule)),
      null,
      null,
    ) as CompiledRule[];
  const ask = (native: Record<string, unknown>) =>
    ({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      user: 'u',
      stop: 's',
      ...native,
    }) as ChatRequest;

  it("are texts: every string and number inside, in order, never keys nor the gateway's own parameters", () => {
    const body = ask({
      system: 'be brief',
      systemInstruction: { parts: [{ text: 'a' }, { text: 'b' }], role: null, on: true },
      documents: [{ id: 7, data: { text: 'c' } }],
      empty: null,
    });
    expect(textSlots(body).texts).toEqual([
      { text: 'hi' },
      { text: 'be brief' },
      { text: 'a' },
      { text: 'b' },
      { text: '7' },
      { text: 'c' },
    ]);
    expect(nativeTexts({ model: 'm', input: 'x', user: 'u' }, EMBEDDINGS_PARAMS)).toBeUndefined();
  });

  it('are read only when a prompt rule applies', () => {
    let reads = 0;
    const body = ask({});
    Object.defineProperty(body, 'system', {
      enumerable: true,
      get: () => {
        reads++;
        return 'falcon';
      },
    });
    expect(
      guardChat(rules({ name: 'out', keywords: ['falcon'], action: 'block', scope: 'output' }), body, 1).body,
    ).toBe(body);
    expect(reads).toBe(0);
    expect(() => guardChat(rules({ name: 'in', keywords: ['falcon'], action: 'block' }), body, 1)).toThrow(
      PromptBlocked,
    );
    expect(reads).toBeGreaterThan(0);
  });

  it('are redacted in place in a copy, and masked in the logged copy of a blocked prompt', () => {
    const body = ask({ system: 'mail bob@x.io', extra: { list: ['ok', { to: 'bob@x.io' }], n: 1 } });
    const guard = guardChat(rules({ name: 'pii', detect: ['email'], action: 'redact' }), body, 1);
    expect(guard.body).toMatchObject({
      system: 'mail [EMAIL_1]',
      extra: { list: ['ok', { to: '[EMAIL_1]' }], n: 1 },
      user: 'u',
    });
    expect(body).toMatchObject({ system: 'mail bob@x.io' }); // the client's body is left alone
    let blocked: PromptBlocked | undefined;
    try {
      guardChat(
        rules(
          { name: 'bird', keywords: ['falcon'], action: 'block' },
          { name: 'pii', detect: ['email'], action: 'redact' },
        ),
        ask({ system: 'falcon for bob@x.io' }),
        1,
      );
    } catch (error) {
      blocked = error as PromptBlocked;
    }
    expect(chatWithTexts(ask({ system: 'falcon for bob@x.io' }), blocked!.masked)).toMatchObject({
      system: '[BIRD_1] for [EMAIL_1]',
    });
  });

  it('refuses (413) native parameters with more values than the rules may read one by one', () => {
    const body = ask({ documents: Array.from({ length: MAX_VALUE_TEXTS + 1 }, () => 'a') });
    expect(() => textSlots(body)).toThrow(
      expect.objectContaining({ status: 413, code: 'request_too_large', param: 'documents' }),
    );
    expect(
      textSlots(ask({ documents: Array.from({ length: MAX_VALUE_TEXTS }, () => 'a') })).texts,
    ).toHaveLength(MAX_VALUE_TEXTS + 1);
  });
});

describe('tool definitions, response schemas and fields beyond the known shape', () => {
  const rules = (...list: Record<string, unknown>[]) =>
    selectRules(
      list.map((rule) => guardrailRuleSchema.parse(rule)),
      null,
      null,
    ) as CompiledRule[];
  const schema = {
    type: 'object',
    title: 'Mail',
    properties: {
      to: { type: ['string', 'null'], description: 'who', enum: ['a', 'b'] },
      type: { type: 'integer', default: 3 },
    },
    required: ['to', 'type'],
  };

  it('are texts: unknown fields of messages, parts, tool calls and tools, descriptions, schema values', () => {
    const body = {
      model: 'm',
      messages: [
        {
          role: 'user',
          name: 'ann',
          content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }],
        },
        {
          role: 'assistant',
          content: null,
          reasoning_content: 'signed', // the blocks' text: sent to no provider
          thinking_blocks: [{ type: 'thinking', thinking: 'signed', signature: 'c2lnbmF0dXJl' }],
          tool_calls: [
            { id: 'c', type: 'function', x: 'call', function: { name: 'f', arguments: '1', y: 'fn' } },
          ],
          function_call: { name: 'g', arguments: 'plain', z: 'legacy' },
        },
        { role: 'assistant', content: 'ok', reasoning_content: 'thought' },
      ],
      tools: [
        {
          type: 'function',
          t: 'tool',
          function: { name: 'f', description: 'does f', parameters: schema, u: 'ex' },
        },
      ],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'n',
          description: 'a report',
          schema: { type: 'object', required: ['nope'] },
          strict: true,
        },
      },
    } as unknown as ChatRequest;
    expect(textSlots(body).texts.map(({ text }) => text)).toEqual([
      'hi',
      '1',
      'plain',
      'ok',
      'ephemeral',
      'call',
      'fn',
      'legacy',
      'thought',
      'tool',
      'does f',
      'Mail',
      'who',
      'a',
      'b',
      '3',
      'ex',
      'a report',
      'nope', // not a property beside it: read
    ]);
  });

  it('are redacted in place in a copy, the client body left alone', () => {
    const body = {
      model: 'm',
      messages: [{ role: 'user', content: 'hi', x_note: { to: ['bob@x.io'] } }],
      tools: [
        {
          type: 'function',
          function: { name: 'f', parameters: { properties: { to: { default: 'bob@x.io' } } } },
        },
      ],
    } as unknown as ChatRequest;
    const guard = guardChat(rules({ name: 'pii', detect: ['email'], action: 'redact' }), body, 1);
    expect(guard.body).toMatchObject({
      messages: [{ role: 'user', content: 'hi', x_note: { to: ['[EMAIL_1]'] } }],
      tools: [{ function: { parameters: { properties: { to: { default: '[EMAIL_1]' } } } } }],
    });
    expect(body.messages[0]).toMatchObject({ x_note: { to: ['bob@x.io'] } });
  });

  it('are read only when a prompt rule applies', () => {
    let reads = 0;
    const fn = { name: 'f' } as Record<string, unknown>;
    Object.defineProperty(fn, 'description', {
      enumerable: true,
      get: () => {
        reads++;
        return 'falcon';
      },
    });
    const body = {
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ type: 'function', function: fn }],
    };
    const ask = body as unknown as ChatRequest;
    expect(guardChat(rules({ name: 'long', maxPromptTokens: 10, action: 'flag' }), ask, 1).body).toBe(ask);
    expect(reads).toBe(0);
    expect(() => guardChat(rules({ name: 'in', keywords: ['falcon'], action: 'block' }), ask, 1)).toThrow(
      PromptBlocked,
    );
    expect(reads).toBeGreaterThan(0);
  });

  it('count toward the same 413 budget as native parameters, naming where it was passed', () => {
    const half = Array.from({ length: MAX_VALUE_TEXTS / 2 }, () => 'a');
    const body = (extra: string[]) =>
      ({
        model: 'm',
        messages: [{ role: 'user', content: 'hi' }],
        documents: half,
        tools: [{ type: 'function', function: { name: 'f', parameters: { enum: [...half, ...extra] } } }],
      }) as unknown as ChatRequest;
    expect(textSlots(body([])).texts).toHaveLength(MAX_VALUE_TEXTS + 1);
    expect(() => textSlots(body(['b']))).toThrow(
      expect.objectContaining({
        status: 413,
        code: 'request_too_large',
        param: 'tools[0].function.parameters',
      }),
    );
  });
});
