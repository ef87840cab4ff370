// The stream window of output rules (src/guardrails/output.ts): what it releases, when, and what it
// sees around its cut.
import { describe, expect, it } from 'vitest';
import { HoldbackScanner, STREAM_HOLDBACK, STREAM_STEP, StreamBlocked } from '../../src/guardrails/output';
import { Placeholders } from '../../src/guardrails/placeholders';
import { ScanBudget } from '../../src/guardrails/regex/budget';
import { emptyReport } from '../../src/guardrails/report';
import { selectRules, type TextRule } from '../../src/guardrails/rules';
import { guardrailRuleSchema } from '../../src/guardrails/schema';

function scanner(rules: unknown[], budget = new ScanBudget()) {
  const parsed = rules.map((rule) => guardrailRuleSchema.parse(rule));
  const report = emptyReport();
  const compiled = selectRules(parsed, null, null, budget) as TextRule[];
  return { scan: new HoldbackScanner(compiled, report, new Placeholders()), report, budget };
}

/** Streams `text` in deltas of `size` characters; returns what the client received. */
function stream(scan: HoldbackScanner, text: string, size: number): string {
  let out = '';
  for (let at = 0; at < text.length; at += size) out += scan.push(text.slice(at, at + size));
  return out + scan.flush();
}

describe('the output window of a stream', () => {
  it('keeps the text before its cut as context: a whole-word rule does not fire inside a word', () => {
    const prefix = 'In this essay I write about how learning a new s'; // "skill" cut after its "s"
    const text = `${prefix}kill takes time, and practising every day until it sticks helps.`;
    const { scan, report } = scanner([
      { name: 'violence', keywords: ['kill'], action: 'block', scope: 'output' },
    ]);
    // The first delta ends STREAM_HOLDBACK characters past the "k": the release is cut just before it.
    expect(prefix.length + STREAM_HOLDBACK).toBeGreaterThanOrEqual(STREAM_HOLDBACK + STREAM_STEP);
    let out = scan.push(text.slice(0, prefix.length + STREAM_HOLDBACK));
    expect(out).toBe(prefix);
    out += scan.push(text.slice(prefix.length + STREAM_HOLDBACK));
    expect(out + scan.flush()).toBe(text);
    expect(report.blocked).toBeNull();
    // A real match right at a cut is still caught.
    const real = scanner([{ name: 'violence', keywords: ['kill'], action: 'block', scope: 'output' }]).scan;
    expect(() => {
      real.push(`${prefix.slice(0, -1)} kill`.padEnd(prefix.length + STREAM_HOLDBACK, '.'));
      real.flush();
    }).toThrow(StreamBlocked);
  });

  it('redacts what is split across deltas of any size, and releases in steps', () => {
    const text = `${'Write to the team at '.repeat(3)}support@vendor.example today, or call later. ${'x '.repeat(60)}`;
    for (const size of [1, 2, 5, 64, 500]) {
      const { scan } = scanner([{ name: 'pii', detect: ['email'], action: 'redact', scope: 'output' }]);
      expect(stream(scan, text, size)).toBe(text.replace('support@vendor.example', '[EMAIL_1]'));
    }
    const { scan } = scanner([{ name: 'pii', detect: ['email'], action: 'redact', scope: 'output' }]);
    expect(scan.push('a'.repeat(STREAM_HOLDBACK + STREAM_STEP - 1))).toBe(''); // not yet a whole step
    expect(scan.push('a')).toBe('a'.repeat(STREAM_STEP));
  });

  it('scans each character a few times, not once per delta: a long answer in 1-character deltas fits the budget', () => {
    const rule = {
      name: 'mail',
      pattern: '[\\w.+-]{1,64}@[\\w-]{1,63}\\.\\w{2,10}',
      action: 'redact',
      scope: 'output',
    };
    const text = 'the quick brown fox jumps over the lazy dog while reviewing documentation. '.repeat(40);
    const whole = scanner([rule]);
    whole.scan.flush();
    whole.scan.push(text);
    whole.scan.flush();
    const streamed = scanner([rule]);
    expect(stream(streamed.scan, text, 1)).toBe(text);
    // Each release rescans the held window: about (HOLDBACK + STEP + context) / STEP times the text.
    expect(streamed.budget.used).toBeLessThan(whole.budget.used * 4);
  });
});
