// Where prompt text lives in a chat request (src/guardrails/text-slots.ts), and that reading it is
// paid for only by requests whose rules read it.
import { describe, expect, it } from 'vitest';
import { guardChat } from '../../src/guardrails/guard';
import { type CompiledRule, selectRules } from '../../src/guardrails/rules';
import { guardrailRuleSchema } from '../../src/guardrails/schema';
import { jsonTexts, textSlots } from '../../src/guardrails/text-slots';
import type { ChatRequest } from '../../src/openai/schemas';

describe('jsonTexts', () => {
  it('reads string values decoded and long numbers, and rebuilds valid JSON around replacements', () => {
    const raw = '{"to": "Team:\\nbob@x.io", "card": 4111111111111111, "n": 3, "tags": ["a\\"b"]}';
    const json = jsonTexts(raw)!;
    expect(json.texts).toEqual(['to', 'Team:\nbob@x.io', 'card', '4111111111111111', 'n', 'tags', 'a"b']);
    const rebuilt = json.rebuild([undefined, 'Team:\n[EMAIL_1]', undefined, '[CARD_1]']);
    expect(JSON.parse(rebuilt)).toEqual({ to: 'Team:\n[EMAIL_1]', card: '[CARD_1]', n: 3, tags: ['a"b'] });
    expect(json.rebuild([])).toBe(raw);
    expect(jsonTexts('not json')).toBeUndefined();
  });

  it('keeps no text for the small numbers of a huge array', () => {
    const raw = JSON.stringify(Array.from({ length: 200_000 }, (_, i) => i % 1000));
    expect(jsonTexts(raw)!.texts).toEqual([]);
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
    expect(textSlots(body).texts).toEqual(['hi', 'a', 'x']);
  });

  it('reads arguments with a huge number of values as one text', () => {
    const huge = JSON.stringify(Array.from({ length: 10_001 }, () => 'a'));
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
    expect(textSlots(body).texts).toEqual(['hi', huge]);
  });
});
