// Text parts read joined (src/guardrails/prompt-text.ts): what a rule finds across them, how often
// it counts, and where a redaction lands in the parts.
import { describe, expect, it } from 'vitest';
import { Placeholders } from '../../src/guardrails/placeholders';
import { findIn, type PromptText, redactText } from '../../src/guardrails/prompt-text';
import { selectRules, type TextRule } from '../../src/guardrails/rules';
import { guardrailRuleSchema } from '../../src/guardrails/schema';

const pii = selectRules(
  [guardrailRuleSchema.parse({ name: 'pii', detect: ['email', 'credit_card', 'ssn'], action: 'redact' })],
  null,
  null,
)[0] as TextRule;
const joined = (...parts: string[]): PromptText => ({ text: parts.join(''), parts });
/** The parts of `text` with every value the rule finds redacted. */
const redacted = (text: PromptText, placeholders = new Placeholders()) =>
  redactText(text, findIn(pii, text, false).spans, placeholders);

describe('a value split across the seams of text parts', () => {
  it('is replaced in the part where it starts; the next part loses the rest of it and keeps its own', () => {
    const text = joined('my card is 4111 1111 ', '1111 1111, thanks');
    expect(findIn(pii, text, false).count).toBe(1);
    expect(redacted(text)).toEqual(['my card is [CREDIT_CARD_1]', ', thanks']);
    expect(redacted(joined('ssn 123-45-', '6789.'))).toEqual(['ssn [SSN_1]', '.']);
  });

  it('empties every part wholly inside it, across three parts or more', () => {
    expect(redacted(joined('mail alice@', 'example', '.com now'))).toEqual(['mail [EMAIL_1]', '', ' now']);
    expect(redacted(joined('4111', ' 1111', ' 1111 ', '1111'))).toEqual(['[CREDIT_CARD_1]', '', '', '']);
  });

  it('leaves the next part whole when it ends at a seam, and lands in the later part when it starts at one', () => {
    expect(redacted(joined('mail bob@example.com', ' or ', 'ann@example.com', ' now'))).toEqual([
      'mail [EMAIL_1]',
      ' or ',
      '[EMAIL_2]',
      ' now',
    ]);
    // An empty part at the seam takes nothing.
    expect(redacted(joined('to ', '', 'bob@exa', '', 'mple.com'))).toEqual(['to ', '', '[EMAIL_1]', '', '']);
  });

  it('counts a value inside one part once, and redacts it with one placeholder', () => {
    const text = joined('mail bob@example.com and ', 'ssn 123-45-', '6789');
    const found = findIn(pii, text, false);
    expect(found.count).toBe(2);
    const placeholders = new Placeholders();
    expect(redacted(text, placeholders)).toEqual(['mail [EMAIL_1] and ', 'ssn [SSN_1]', '']);
    expect(placeholders.for('EMAIL', 'x@y.io', false)).toBe('[EMAIL_2]');
  });

  it("still finds a value its part alone holds, where joined it runs into the next part's text", () => {
    // Joined, the card's last group runs on into "2" (17 digits): no card there, but the part has one.
    const text = joined('card 4111 1111 1111 1111', '2 apples');
    expect(pii.find(text.text, false)).toEqual([]);
    expect(findIn(pii, text, false).count).toBe(1);
    expect(redacted(text)).toEqual(['card [CREDIT_CARD_1]', '2 apples']);
  });

  it('lands the redactions of tens of thousands of parts in one pass', () => {
    const parts = Array.from({ length: 40_000 }, (_, i) => (i % 2 === 0 ? `u${i}@exa` : 'mple.com '));
    const text = joined(...parts);
    expect(findIn(pii, text, false).count).toBe(20_000);
    const out = redacted(text);
    expect(out.slice(0, 4)).toEqual(['[EMAIL_1]', ' ', '[EMAIL_2]', ' ']);
    expect(out.at(-2)).toBe('[EMAIL_20000]');
  });
});
