import { describe, expect, it } from 'vitest';
import { checkPattern, runProgram } from '../../src/guardrails/regex/program';
import { patternProblem } from '../../src/guardrails/schema';

const flags = (f = '') => ({
  ignoreCase: f.includes('i'),
  multiline: f.includes('m'),
  dotAll: f.includes('s'),
});
const spans = (pattern: string, text: string, f = '') =>
  runProgram(checkPattern(pattern, flags(f)), text).map(([a, b]) => text.slice(a, b));

describe('custom-rule regex engine', () => {
  it('matches JavaScript syntax: classes, escapes, groups, alternation, counted repetition, flags', () => {
    expect(spans('project\\s+bluebird', 'Project  BLUEBIRD, project bluebird', 'i')).toEqual([
      'Project  BLUEBIRD',
      'project bluebird',
    ]);
    expect(spans('\\bfoo\\b', 'foo food afoo foo')).toEqual(['foo', 'foo']);
    expect(spans('colou?r$', 'color colour')).toEqual(['colour']);
    expect(spans('^id', 'id\nid', 'm')).toEqual(['id', 'id']);
    expect(spans('a.b', 'a\nb', 's')).toEqual(['a\nb']);
    expect(spans('a.b', 'a\nb')).toEqual([]);
    expect(spans('(?:ab){2}', 'ababab')).toEqual(['ababab']);
    expect(spans('[^a-c]+', 'abcdefabc')).toEqual(['def']);
    expect(spans('\\x41\\u0042\\u{43}', 'xABCx')).toEqual(['ABC']);
    expect(spans('(?<word>cat|dog)s?', 'cats and dog')).toEqual(['cats', 'dog']);
  });

  it('works on code points: emoji, RTL text and Unicode properties', () => {
    expect(spans('😀+', 'hi 😀😀 there')).toEqual(['😀😀']);
    expect(spans('\\p{Script=Hebrew}+', 'abc שלום def')).toEqual(['שלום']);
    expect(spans('.', '😀')).toEqual(['😀']);
  });

  it('reports the union of overlapping matches (what redaction needs)', () => {
    expect(spans('\\d{3}', 'ab 123456 x 12')).toEqual(['123456']);
    expect(spans('a|ab', 'xab')).toEqual(['ab']);
  });

  it('refuses what needs backtracking or cannot be bounded, with a reason', () => {
    expect(patternProblem('(a)\\1', '')).toMatch(/backreferences are not supported/);
    expect(patternProblem('(?<n>a)\\k<n>', '')).toMatch(/backreferences/);
    expect(patternProblem('foo(?=bar)', '')).toMatch(/lookahead and lookbehind/);
    expect(patternProblem('(?<!x)y', '')).toMatch(/lookahead and lookbehind/);
    expect(patternProblem('a*', '')).toMatch(/empty string/);
    expect(patternProblem('x{2000}', '')).toMatch(/counted repetition/);
    expect(patternProblem('(a{100}){300}', '')).toMatch(/too large/);
    expect(patternProblem('[z-a]', '')).toMatch(/invalid regular expression/);
    expect(patternProblem('(unclosed', '')).toMatch(/invalid regular expression/);
    expect(patternProblem('project\\s+bluebird', 'i')).toBeUndefined();
    expect(patternProblem('(a+)+$', '')).toBeUndefined();
  });

  it('runs catastrophic-backtracking patterns over 1 MB in linear time', () => {
    const text = `${'a'.repeat(1 << 20)}!`;
    for (const pattern of ['(a+)+$', '(a|a)*b', 'a*a*a*a*b', '(?:\\w+\\s?)+x', '[a-z]+@[a-z]+\\.com']) {
      const program = checkPattern(pattern, flags());
      const started = performance.now();
      runProgram(program, text);
      expect(performance.now() - started, pattern).toBeLessThan(4000);
    }
  });
});
