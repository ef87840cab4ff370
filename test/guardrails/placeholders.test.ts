// Redaction's placeholders (src/guardrails/placeholders.ts): which spans a text's matches become,
// when rules' matches overlap.
import { describe, expect, it } from 'vitest';
import { guardChat } from '../../src/guardrails/guard';
import { type LabeledSpan, Placeholders, redact } from '../../src/guardrails/placeholders';
import { selectRules } from '../../src/guardrails/rules';
import { guardrailRuleSchema } from '../../src/guardrails/schema';
import type { ChatRequest } from '../../src/openai/schemas';
import type { ChatCompletion } from '../../src/providers/types';

const span = (start: number, end: number, label: string, restore = false): LabeledSpan => ({
  start,
  end,
  label,
  rule: label.toLowerCase(),
  restore,
});

describe('overlapping matches', () => {
  it('are replaced whole: the part of a later match past an earlier one is never left in the clear', () => {
    const text = 'id acct-4111-secret end';
    // "acct-4111" by one rule, "4111-secret" by another: one value to hide, under the first's label.
    expect(redact(text, [span(3, 12, 'ACCOUNT'), span(8, 19, 'TOKEN')], new Placeholders())).toBe(
      'id [ACCOUNT_1] end',
    );
    // In any order given; a match inside another changes nothing.
    expect(
      redact(text, [span(8, 19, 'TOKEN'), span(9, 11, 'X'), span(3, 12, 'ACCOUNT')], new Placeholders()),
    ).toBe('id [ACCOUNT_1] end');
    // Disjoint ones stay apart; touching is not overlapping.
    expect(redact(text, [span(3, 12, 'ACCOUNT'), span(12, 19, 'TOKEN')], new Placeholders())).toBe(
      'id [ACCOUNT_1][TOKEN_1] end',
    );
  });

  it('give the original back only when every rule among them restores', () => {
    const text = 'id acct-4111-secret end';
    const both = new Placeholders();
    redact(text, [span(3, 12, 'ACCOUNT', true), span(8, 19, 'TOKEN', true)], both);
    expect([...both.restorable]).toEqual([['[ACCOUNT_1]', 'acct-4111-secret']]);
    const one = new Placeholders();
    redact(text, [span(3, 12, 'ACCOUNT', true), span(8, 19, 'TOKEN', false)], one);
    expect(one.restorable.size).toBe(0);
  });

  it('from two rules over a prompt send the provider none of either value', () => {
    const rules = selectRules(
      [
        guardrailRuleSchema.parse({ name: 'accounts', pattern: 'acct-\\d+', action: 'redact' }),
        guardrailRuleSchema.parse({ name: 'tokens', pattern: '\\d+-secret\\w*', action: 'redact' }),
      ],
      null,
      null,
    );
    const body = {
      model: 'fast',
      messages: [{ role: 'user', content: 'use acct-4111-secretXYZ please' }],
    } as ChatRequest;
    const guarded = guardChat(rules, body, 10);
    expect(guarded.body.messages[0]!.content).toBe('use [ACCOUNTS_1] please');
  });
});

describe('restoring', () => {
  it("gives a JSON answer's refusal its originals back, as its content", () => {
    const rules = selectRules(
      [guardrailRuleSchema.parse({ name: 'pii', detect: ['email'], action: 'redact', restore: true })],
      null,
      null,
    );
    const body = { model: 'm', messages: [{ role: 'user', content: 'mail a@x.com' }] } as ChatRequest;
    const guard = guardChat(rules, body, 10);
    const { answer, logged } = guard.completion({
      id: 'x',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [
        {
          index: 0,
          finish_reason: 'stop',
          message: { role: 'assistant', content: null, refusal: 'I cannot mail [EMAIL_1]' },
        },
      ],
    } as unknown as ChatCompletion);
    const refusal = (completion: ChatCompletion) =>
      (completion.choices[0] as unknown as { message: { refusal: string } }).message.refusal;
    expect(refusal(answer)).toBe('I cannot mail a@x.com');
    expect(refusal(logged)).toBe('I cannot mail [EMAIL_1]');
  });
});
