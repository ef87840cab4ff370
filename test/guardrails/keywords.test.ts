import { describe, expect, it } from 'vitest';
import { compileKeywords } from '../../src/guardrails/keywords';
import { compileRules } from '../../src/guardrails/rules';
import { guardrailRuleSchema } from '../../src/guardrails/schema';

const find = (keywords: string[], text: string, wholeWord = true) =>
  compileKeywords(keywords, wholeWord)
    .find(text)
    .map(([a, b]) => text.slice(a, b));

describe('keyword deny-lists', () => {
  it('matches case-insensitively, whole words by default, phrases included', () => {
    expect(find(['bluebird', 'top secret'], 'Bluebird and TOP SECRET, not bluebirds')).toEqual([
      'Bluebird',
      'TOP SECRET',
    ]);
    expect(find(['bird'], 'bluebirds', false)).toEqual(['bird']);
    expect(find(['he', 'she', 'hers'], 'ushers', false)).toEqual(['shers']);
  });

  it('reads text as the detectors do: a zero-width character or full-width letters hide no keyword', () => {
    const rule = guardrailRuleSchema.parse({
      name: 'words',
      keywords: ['project bluebird'],
      action: 'block',
    });
    const compiled = compileRules([rule]).get('words');
    if (compiled?.kind !== 'text') throw new Error('not a text rule');
    const found = (text: string) =>
      compiled.find(text, false).map((span) => text.slice(span.start, span.end));
    expect(found('the project blue\u200bbird plan')).toEqual(['project blue\u200bbird']);
    expect(found('the ｐｒｏｊｅｃｔ ｂｌｕｅｂｉｒｄ plan')).toEqual(['ｐｒｏｊｅｃｔ ｂｌｕｅｂｉｒｄ']);
    expect(found('project bluebirds')).toEqual([]); // whole words still
  });

  it('reads text for a custom pattern as the detectors do too, and as written, each match once', () => {
    const rules = [
      guardrailRuleSchema.parse({ name: 'codename', pattern: 'project-\\d+', action: 'redact' }),
      guardrailRuleSchema.parse({ name: 'invisible', pattern: '\\u200b', action: 'flag' }),
    ];
    const compiled = compileRules(rules);
    const found = (name: string, text: string) => {
      const rule = compiled.get(name);
      if (rule?.kind !== 'text') throw new Error('not a text rule');
      return rule.find(text, false).map((span) => text.slice(span.start, span.end));
    };
    expect(found('codename', 'see project\u200b-42 and project-7')).toEqual([
      'project-7',
      'project\u200b-42',
    ]);
    expect(found('codename', 'see ｐｒｏｊｅｃｔ－４２')).toEqual(['ｐｒｏｊｅｃｔ－４２']);
    // A pattern about the very characters the detectors look through still finds them.
    expect(found('invisible', 'a\u200bb')).toEqual(['\u200b']);
  });

  it('keeps offsets right around emoji and right-to-left text', () => {
    const text = '😀 שלום secret 😀 مرحبا secret';
    const spans = compileKeywords(['secret', 'שלום'], true).find(text);
    expect(spans.map(([a, b]) => text.slice(a, b))).toEqual(['שלום', 'secret', 'secret']);
  });

  it('stays fast with 20,000 keywords over 1 MB', () => {
    const keywords = Array.from({ length: 20_000 }, (_, i) => `codename${i}`);
    const matcher = compileKeywords(keywords, true);
    const text = `${'lorem ipsum dolor sit amet codename '.repeat(30_000)} codename19999`;
    const started = performance.now();
    const spans = matcher.find(text);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(spans.map(([a, b]) => text.slice(a, b))).toEqual(['codename19999']);
  });
});
