// Guardrails on a streamed answer (src/guardrails/stream-guard.ts), event by event: what is held,
// scanned and restored besides the content.
import { describe, expect, it } from 'vitest';
import { guardChat } from '../../src/guardrails/guard';
import { selectRules } from '../../src/guardrails/rules';
import { guardrailRuleSchema } from '../../src/guardrails/schema';
import type { ChatRequest } from '../../src/openai/schemas';
import type { MappedEvent } from '../../src/openai/stream-relay';

type Json = Record<string, unknown>;

/** The stream mapper of a request with these rules and this prompt. */
function mapper(rules: unknown[], prompt: string, extra: Json = {}) {
  const selected = selectRules(
    rules.map((rule) => guardrailRuleSchema.parse(rule)),
    null,
    null,
  );
  const body = { model: 'm', messages: [{ role: 'user', content: prompt }], ...extra } as ChatRequest;
  return guardChat(selected, body, 10).streamMapper()!;
}

const chunk = (delta: Json, finish: string | null = null) =>
  JSON.stringify({
    id: '1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta, finish_reason: finish }],
  });

/** The delta of choice 0 of a relayed event (undefined: the event was dropped). */
function deltaOf(event: MappedEvent): Json | undefined {
  if (event === null) return undefined;
  if (typeof event !== 'string') throw new Error(`the stream ended: ${event.end}`);
  return (JSON.parse(event) as { choices: { delta: Json }[] }).choices[0]!.delta;
}

const RESTORE = { name: 'pii', detect: ['email'], action: 'redact', restore: true };

describe('a streamed deprecated function_call', () => {
  it("has its arguments held and scanned by output rules, as a tool call's are", () => {
    const map = mapper([{ name: 'no-mail', detect: ['email'], action: 'block', scope: 'output' }], 'hi', {
      functions: [{ name: 'send', parameters: {} }],
    });
    expect(
      deltaOf(map(chunk({ role: 'assistant', function_call: { name: 'send', arguments: '' } }))),
    ).toEqual({
      role: 'assistant',
      function_call: { name: 'send', arguments: '' },
    });
    expect(map(chunk({ function_call: { arguments: '{"to":"ceo@corp.example"}' } }))).toBeNull();
    const end = map(chunk({}, 'function_call'));
    expect(end).toEqual({ end: expect.stringContaining('guardrail_blocked') });
  });

  it('has its arguments released whole with the finish, redacted, and placeholders restored', () => {
    const map = mapper(
      [RESTORE, { name: 'no-phone', detect: ['phone'], action: 'redact', scope: 'output' }],
      'mail a@x.com',
    );
    expect(map(chunk({ function_call: { arguments: '{"to":"[EMA' } }))).toBeNull();
    expect(map(chunk({ function_call: { arguments: 'IL_1]","tel":"+1 415 555 2671"}' } }))).toBeNull();
    expect(deltaOf(map(chunk({}, 'function_call')))).toEqual({
      function_call: { arguments: '{"to":"a@x.com","tel":"[PHONE_1]"}' },
    });
  });

  it('is restored across fragments without output rules, what it carries flushed at the finish', () => {
    const map = mapper([RESTORE], 'mail a@x.com');
    expect(deltaOf(map(chunk({ function_call: { name: 'send', arguments: '{"to":"[EMA' } })))).toEqual({
      function_call: { name: 'send', arguments: '{"to":"' },
    });
    expect(deltaOf(map(chunk({ function_call: { arguments: 'IL_1]", "cc":"[' } })))).toEqual({
      function_call: { arguments: 'a@x.com", "cc":"' },
    });
    expect(deltaOf(map(chunk({}, 'stop')))).toEqual({ function_call: { arguments: '[' } });
  });
});

describe('streamed tool calls under output rules', () => {
  it("releases a call's held arguments before the next call that shares its index (Ollama) begins", () => {
    const map = mapper([{ name: 'no-phone', detect: ['phone'], action: 'redact', scope: 'output' }], 'hi');
    const call = (id: string, name: string, args: string) => ({
      tool_calls: [{ index: 0, id, type: 'function', function: { name, arguments: args } }],
    });
    expect(deltaOf(map(chunk(call('a', 'dial', '{"tel":"+1 415 555 2671"}'))))).toEqual(
      call('a', 'dial', ''),
    );
    // Held to the finish, call a's arguments would follow call b's start, and read as b's.
    expect(deltaOf(map(chunk(call('b', 'wait', '{"s":1}'))))).toEqual({
      tool_calls: [
        { index: 0, function: { arguments: '{"tel":"[PHONE_1]"}' } },
        ...call('b', 'wait', '').tool_calls,
      ],
    });
    expect(deltaOf(map(chunk({}, 'tool_calls')))).toEqual({
      tool_calls: [{ index: 0, function: { arguments: '{"s":1}' } }],
    });
  });

  it('releases them too before a call with no id and another name begins at that index (one index, no ids)', () => {
    const map = mapper([{ name: 'no-phone', detect: ['phone'], action: 'redact', scope: 'output' }], 'hi');
    const call = (name: string, args: string) => ({
      tool_calls: [{ index: 0, type: 'function', function: { name, arguments: args } }],
    });
    expect(deltaOf(map(chunk(call('dial', '{"tel":"+1 415 555 2671"}'))))).toEqual(call('dial', ''));
    // The same rule the Responses and Messages translations and the cache follow (ToolCallTrack).
    expect(deltaOf(map(chunk(call('wait', '{"s":1}'))))).toEqual({
      tool_calls: [
        { index: 0, function: { arguments: '{"tel":"[PHONE_1]"}' } },
        ...call('wait', '').tool_calls,
      ],
    });
    expect(deltaOf(map(chunk({}, 'tool_calls')))).toEqual({
      tool_calls: [{ index: 0, function: { arguments: '{"s":1}' } }],
    });
  });
});

describe('text held back by the output window', () => {
  // Found by a README audit: a client read a dozen chunks of empty text before the first words.
  it('drops the chunks it leaves empty, keeping the role chunk and everything the window releases', () => {
    const map = mapper([{ name: 'no-mail', detect: ['email'], action: 'redact', scope: 'output' }], 'hi');
    expect(deltaOf(map(chunk({ role: 'assistant', content: '' })))).toEqual({
      role: 'assistant',
      content: '',
    });
    const words = 'The quick brown fox jumps over the lazy dog and keeps on running far away.'.split(' ');
    const relayed = words.map((word) => map(chunk({ content: `${word} ` })));
    const held = relayed.filter((event) => event === null).length;
    expect(held).toBeGreaterThan(0);
    const end = deltaOf(map(chunk({}, 'stop')));
    const said = relayed.flatMap((event) => (event === null ? [] : [deltaOf(event)!.content]));
    expect([...said, end?.content ?? ''].join('')).toBe(`${words.join(' ')} `);
    expect(said.every((text) => text !== '')).toBe(true);
  });
});

describe('restoring a stream', () => {
  it("puts a refusal's originals back, a placeholder split across deltas too", () => {
    const map = mapper([RESTORE], 'mail a@x.com');
    expect(deltaOf(map(chunk({ refusal: 'I cannot mail [EMAIL_1]' })))).toEqual({
      refusal: 'I cannot mail a@x.com',
    });
    expect(deltaOf(map(chunk({ refusal: ' nor [EMA' })))).toEqual({ refusal: ' nor ' });
    expect(deltaOf(map(chunk({ refusal: 'IL_1].' })))).toEqual({ refusal: 'a@x.com.' });
  });

  it('gives each tool call without an index its own restorer, and flushes what they carry at the finish', () => {
    const map = mapper([RESTORE], 'a@x.com b@y.com');
    const call = (id: string, name: string, args: string) => ({
      tool_calls: [{ id, type: 'function', function: { name, arguments: args } }],
    });
    expect(deltaOf(map(chunk(call('a', 'f', '{"to":"[EMAIL_'))))).toEqual(call('a', 'f', '{"to":"'));
    expect(deltaOf(map(chunk(call('b', 'g', '{"to":"[EMAIL_2]"}'))))).toEqual(
      call('b', 'g', '{"to":"b@y.com"}'),
    );
    // A fragment with neither index nor id continues the last call.
    expect(deltaOf(map(chunk({ tool_calls: [{ function: { arguments: ', "x":"[' } }] })))).toEqual({
      tool_calls: [{ function: { arguments: ', "x":"' } }],
    });
    expect(deltaOf(map(chunk({}, 'tool_calls')))).toEqual({
      tool_calls: [
        { id: 'a', function: { arguments: '[EMAIL_' } },
        { id: 'b', function: { arguments: '[' } },
      ],
    });
  });
});
