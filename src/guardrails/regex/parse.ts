// Parser for the regex dialect of custom guardrail rules: JavaScript syntax without the features
// that need backtracking (backreferences, lookaround). Produces a small AST for ./program.ts.
import { anySet, buildSet, type CharSet, complement, DIGIT, type SetItem, SPACE, WORD } from './charset';

export type Node =
  | { type: 'set'; set: CharSet }
  | { type: 'cat'; items: Node[] }
  | { type: 'alt'; items: Node[] }
  | { type: 'repeat'; node: Node; min: number; max: number }
  | { type: 'assert'; kind: 'start' | 'end' | 'word' | 'notWord' };

export interface Flags {
  ignoreCase: boolean;
  multiline: boolean;
  dotAll: boolean;
}

/** The largest counted repetition accepted (`{0,100}`); the program size and step caps bound the rest. */
export const MAX_REPEAT = 100;

export class RegexSyntaxError extends Error {}

export function parseRegex(pattern: string, flags: Flags): Node {
  return new Parser(Array.from(pattern), flags).parse();
}

class Parser {
  private i = 0;
  constructor(
    private readonly chars: string[],
    private readonly flags: Flags,
  ) {}

  parse(): Node {
    const node = this.alternation();
    if (this.i < this.chars.length) throw new RegexSyntaxError(`unmatched ')' at position ${this.i}`);
    return node;
  }

  private peek(offset = 0): string | undefined {
    return this.chars[this.i + offset];
  }

  private alternation(): Node {
    const items = [this.sequence()];
    while (this.peek() === '|') {
      this.i++;
      items.push(this.sequence());
    }
    return items.length === 1 ? items[0]! : { type: 'alt', items };
  }

  private sequence(): Node {
    const items: Node[] = [];
    for (let c = this.peek(); c !== undefined && c !== '|' && c !== ')'; c = this.peek()) {
      items.push(this.quantified(this.atom()));
    }
    return items.length === 1 ? items[0]! : { type: 'cat', items };
  }

  private quantified(node: Node): Node {
    const c = this.peek();
    let min: number;
    let max: number;
    if (c === '*' || c === '+' || c === '?') {
      this.i++;
      [min, max] = c === '*' ? [0, Infinity] : c === '+' ? [1, Infinity] : [0, 1];
    } else if (c === '{') {
      const bounds = this.bounds();
      if (!bounds) return node;
      [min, max] = bounds;
    } else {
      return node;
    }
    // Laziness changes which match a backtracking engine reports first, not which spans match.
    if (this.peek() === '?') this.i++;
    const next = this.peek();
    if (next === '*' || next === '+' || next === '?' || (next === '{' && this.looksLikeBounds()))
      throw new RegexSyntaxError(`nothing to repeat at position ${this.i}`);
    return { type: 'repeat', node, min, max };
  }

  private looksLikeBounds(): boolean {
    const saved = this.i;
    const found = this.bounds() !== undefined;
    this.i = saved;
    return found;
  }

  /** `{n}`, `{n,}`, `{n,m}`; anything else leaves `{` a literal, as JavaScript does. */
  private bounds(): [number, number] | undefined {
    const rest = this.chars.slice(this.i, this.i + 24).join('');
    const match = /^\{(\d+)(,(\d*))?\}/.exec(rest);
    if (!match) return undefined;
    this.i += match[0].length;
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : match[3] ? Number(match[3]) : Infinity;
    if (min > max) throw new RegexSyntaxError('numbers out of order in {} quantifier');
    if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT))
      throw new RegexSyntaxError(
        `counted repetition above ${MAX_REPEAT} (the limit for {n}, {n,} and {n,m})`,
      );
    return [min, max];
  }

  private atom(): Node {
    const c = this.chars[this.i++]!;
    switch (c) {
      case '(':
        return this.group();
      case '[':
        return this.charClass();
      case '.':
        return { type: 'set', set: anySet(this.flags.dotAll) };
      case '^':
        return { type: 'assert', kind: 'start' };
      case '$':
        return { type: 'assert', kind: 'end' };
      case '\\':
        return this.escape();
      case '*':
      case '+':
      case '?':
        throw new RegexSyntaxError(`nothing to repeat at position ${this.i - 1}`);
      default:
        return this.literal(c.codePointAt(0)!);
    }
  }

  private literal(cp: number): Node {
    return { type: 'set', set: buildSet([{ lo: cp, hi: cp }], false, this.flags.ignoreCase) };
  }

  private group(): Node {
    if (this.peek() === '?') {
      const kind = `${this.peek(1) ?? ''}${this.peek(2) ?? ''}`;
      if (kind[0] === ':') this.i += 2;
      else if (kind[0] === '<' && kind !== '<=' && kind !== '<!') {
        const close = this.chars.indexOf('>', this.i);
        if (close < 0) throw new RegexSyntaxError('unterminated group name');
        this.i = close + 1;
      } else if (kind[0] === '=' || kind[0] === '!' || kind === '<=' || kind === '<!') {
        throw new RegexSyntaxError('lookahead and lookbehind assertions are not supported');
      } else {
        throw new RegexSyntaxError(`unsupported group syntax '(?${kind[0] ?? ''}'`);
      }
    }
    const node = this.alternation();
    if (this.chars[this.i++] !== ')') throw new RegexSyntaxError('unterminated group');
    return node;
  }

  private escape(): Node {
    const c = this.chars[this.i++];
    if (c === undefined) throw new RegexSyntaxError('\\ at end of pattern');
    if (c === 'b') return { type: 'assert', kind: 'word' };
    if (c === 'B') return { type: 'assert', kind: 'notWord' };
    if (/[1-9]/.test(c) || (c === 'k' && this.peek() === '<'))
      throw new RegexSyntaxError('backreferences are not supported');
    const items = this.classEscape(c);
    if (items) return { type: 'set', set: buildSet(items, false, this.flags.ignoreCase) };
    return this.literal(this.characterEscape(c));
  }

  /** `\d \w \s \D \W \S \p{…} \P{…}` as set items, or undefined for other escapes. */
  private classEscape(c: string): SetItem[] | undefined {
    switch (c) {
      case 'd':
        return DIGIT;
      case 'w':
        return WORD;
      case 's':
        return SPACE;
      case 'D':
        return complement(DIGIT, this.flags.ignoreCase);
      case 'W':
        return complement(WORD, this.flags.ignoreCase);
      case 'S':
        return complement(SPACE, this.flags.ignoreCase);
      case 'p':
      case 'P':
        return this.property(c === 'P');
      default:
        return undefined;
    }
  }

  /** `\p{L}`, `\p{Script=Greek}`: delegated to the platform, one code point at a time (linear). */
  private property(negate: boolean): SetItem[] {
    const close = this.chars.indexOf('}', this.i);
    if (this.peek() !== '{' || close < 0) throw new RegexSyntaxError('invalid property escape');
    const name = this.chars.slice(this.i + 1, close).join('');
    this.i = close + 1;
    let probe: RegExp;
    try {
      probe = new RegExp(`^\\p{${name}}$`, 'u');
    } catch {
      throw new RegexSyntaxError(`unknown Unicode property '${name}'`);
    }
    const test = (cp: number) => probe.test(String.fromCodePoint(cp));
    return [{ test: negate ? (cp) => !test(cp) : test }];
  }

  private characterEscape(c: string): number {
    const simple: Record<string, number> = { t: 9, n: 10, v: 11, f: 12, r: 13 };
    if (c in simple) return simple[c]!;
    if (c === '0') {
      if (/[0-9]/.test(this.peek() ?? '')) throw new RegexSyntaxError('octal escapes are not supported');
      return 0;
    }
    if (c === 'x') return this.hex(2);
    if (c === 'u') {
      if (this.peek() !== '{') return this.hex(4);
      const close = this.chars.indexOf('}', this.i);
      const value = Number.parseInt(this.chars.slice(this.i + 1, close).join(''), 16);
      if (close < 0 || !(value <= 0x10ffff)) throw new RegexSyntaxError('invalid \\u{…} escape');
      this.i = close + 1;
      return value;
    }
    if (c === 'c' && /[A-Za-z]/.test(this.peek() ?? '')) return this.chars[this.i++]!.charCodeAt(0) % 32;
    return c.codePointAt(0)!;
  }

  private hex(length: number): number {
    const digits = this.chars.slice(this.i, this.i + length).join('');
    if (!new RegExp(`^[0-9A-Fa-f]{${length}}$`).test(digits))
      throw new RegexSyntaxError('invalid hex escape');
    this.i += length;
    return Number.parseInt(digits, 16);
  }

  private charClass(): Node {
    const negate = this.peek() === '^';
    if (negate) this.i++;
    const items: SetItem[] = [];
    for (;;) {
      const c = this.chars[this.i++];
      if (c === undefined) throw new RegexSyntaxError('unterminated character class');
      if (c === ']') break;
      const low = this.classAtom(c);
      if (Array.isArray(low)) {
        items.push(...low);
        continue;
      }
      if (this.peek() === '-' && this.peek(1) !== undefined && this.peek(1) !== ']') {
        this.i++;
        const high = this.classAtom(this.chars[this.i++]!);
        if (Array.isArray(high)) {
          items.push({ lo: low, hi: low }, { lo: 45, hi: 45 }, ...high);
          continue;
        }
        if (high < low) throw new RegexSyntaxError('range out of order in character class');
        items.push({ lo: low, hi: high });
      } else {
        items.push({ lo: low, hi: low });
      }
    }
    return { type: 'set', set: buildSet(items, negate, this.flags.ignoreCase) };
  }

  /** One class member: a code point, or the items of a class escape like `\d`. */
  private classAtom(c: string): number | SetItem[] {
    if (c !== '\\') return c.codePointAt(0)!;
    const e = this.chars[this.i++];
    if (e === undefined) throw new RegexSyntaxError('\\ at end of pattern');
    if (e === 'b') return 8;
    return this.classEscape(e) ?? this.characterEscape(e);
  }
}
