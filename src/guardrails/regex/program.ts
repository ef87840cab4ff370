// A Thompson-NFA ("Pike VM") for custom guardrail patterns: one left-to-right pass, at most one
// thread per instruction, so time is O(text length × program size) whatever the pattern — no
// catastrophic backtracking is possible. Instead of leftmost-first matches it reports the union
// of every span the pattern matches (what redaction needs), or just whether anything matches.
import { addSpan, type Span } from '../spans';
import { POSITION_STEPS, type ScanBudget, ScanBudgetExceeded } from './budget';
import { type CharSet, isLineTerminator, isWordChar } from './charset';
import { Closures, stepBound } from './closures';
import { type Flags, type Node, parseRegex } from './parse';

export type Instruction =
  | { op: 'set'; set: CharSet }
  | { op: 'split'; x: number; y: number }
  | { op: 'jmp'; to: number }
  | { op: 'assert'; kind: 'start' | 'end' | 'word' | 'notWord' }
  | { op: 'match' };

/**
 * Most instructions in one pattern once counted repetitions are expanded: `\w{1,100}` alone is 200,
 * and the matcher's time per character grows with this (see MAX_STEPS_PER_CHAR).
 */
export const MAX_PROGRAM = 1000;

/**
 * Most matcher steps one character may cost a pattern (closures.ts stepBound): the worst case, met
 * by adversarial text. `\w{1,100}@` is about 300; a 1 MB prompt at this cap is 2 billion steps,
 * which is why the per-request scan budget (./budget.ts) exists as well.
 */
export const MAX_STEPS_PER_CHAR = 2000;

export interface Program {
  readonly code: readonly Instruction[];
  readonly multiline: boolean;
  /** The `i` flag: `\b` then counts ſ and the Kelvin sign as word characters, as JavaScript does. */
  readonly ignoreCase: boolean;
  /** What each instruction reaches without consuming input (assertions are checked per position). */
  readonly closures: Closures;
}

const SET = 0;
const MATCH = 1;
const ASSERT = 2;
const OTHER = 3;
type AssertInstruction = Extract<Instruction, { op: 'assert' }>;

export class RegexLimitError extends Error {}

export function compileRegex(pattern: string, flags: Flags): Program {
  const ast = parseRegex(pattern, flags);
  const code: Instruction[] = [];
  emit(ast, code);
  code.push({ op: 'match' });
  return { code, multiline: flags.multiline, ignoreCase: flags.ignoreCase, closures: new Closures(code) };
}

/** Whether the pattern can match without consuming a character (such a rule would fire everywhere). */
export function nullable(node: Node): boolean {
  switch (node.type) {
    case 'set':
      return false;
    case 'assert':
      return true;
    case 'cat':
      return node.items.every(nullable);
    case 'alt':
      return node.items.some(nullable);
    case 'repeat':
      return node.min === 0 || nullable(node.node);
  }
}

function emit(node: Node, code: Instruction[]): void {
  if (code.length > MAX_PROGRAM)
    throw new RegexLimitError(
      `pattern is too large once repetitions are expanded (more than ${MAX_PROGRAM} instructions)`,
    );
  switch (node.type) {
    case 'set':
      code.push({ op: 'set', set: node.set });
      return;
    case 'assert':
      code.push({ op: 'assert', kind: node.kind });
      return;
    case 'cat':
      for (const item of node.items) emit(item, code);
      return;
    case 'alt': {
      const jumps: { op: 'jmp'; to: number }[] = [];
      node.items.forEach((item, index) => {
        if (index < node.items.length - 1) {
          const split = { op: 'split' as const, x: code.length + 1, y: 0 };
          code.push(split);
          emit(item, code);
          const jump = { op: 'jmp' as const, to: 0 };
          jumps.push(jump);
          code.push(jump);
          split.y = code.length;
        } else {
          emit(item, code);
        }
      });
      for (const jump of jumps) jump.to = code.length;
      return;
    }
    case 'repeat':
      emitRepeat(node, code);
      return;
  }
}

function emitRepeat(node: Extract<Node, { type: 'repeat' }>, code: Instruction[]): void {
  for (let i = 0; i < node.min; i++) emit(node.node, code);
  if (node.max === Infinity) {
    const split = { op: 'split' as const, x: code.length + 1, y: 0 };
    code.push(split);
    emit(node.node, code);
    code.push({ op: 'jmp', to: code.indexOf(split) });
    split.y = code.length;
    return;
  }
  const splits: { op: 'split'; x: number; y: number }[] = [];
  for (let i = node.min; i < node.max; i++) {
    const split = { op: 'split' as const, x: code.length + 1, y: 0 };
    splits.push(split);
    code.push(split);
    emit(node.node, code);
  }
  for (const split of splits) split.y = code.length;
}

/** Validates a pattern as the config does; throws RegexSyntaxError / RegexLimitError with a reason. */
export function checkPattern(pattern: string, flags: Flags): Program {
  const program = compileRegex(pattern, flags);
  if (nullable(parseRegex(pattern, flags)))
    throw new RegexLimitError('pattern can match the empty string, so it would match every text');
  if (stepBound(program.code, program.closures, MAX_STEPS_PER_CHAR) > MAX_STEPS_PER_CHAR)
    throw new RegexLimitError(
      `pattern is too costly to scan: more than ${MAX_STEPS_PER_CHAR} matcher steps per character of text in the worst case (use a keywords rule for long word lists)`,
    );
  return program;
}

/**
 * Every non-empty span the program matches, merged where they overlap, in order. With `first`,
 * stops at the first match found. Positions are UTF-16 offsets; matching is by code point.
 * With a budget, the steps spent are charged to it, and the scan stops with ScanBudgetExceeded as
 * soon as they would pass what it has left (checked once per character).
 */
export function runProgram(program: Program, text: string, first = false, budget?: ScanBudget): Span[] {
  const { code, closures } = program;
  const size = code.length;
  const kinds = new Uint8Array(size);
  const sets: (CharSet | undefined)[] = [];
  code.forEach((ins, pc) => {
    kinds[pc] = ins.op === 'set' ? SET : ins.op === 'match' ? MATCH : ins.op === 'assert' ? ASSERT : OTHER;
    sets.push(ins.op === 'set' ? ins.set : undefined);
  });
  // Thread lists: instruction and start offset of each thread parked on a `set` instruction.
  let cur = { pcs: new Int32Array(size), starts: new Int32Array(size), count: 0 };
  let next = { pcs: new Int32Array(size), starts: new Int32Array(size), count: 0 };
  const seen = new Int32Array(size).fill(-1);
  const spans: [number, number][] = [];
  let prev = -1;
  let found = false;
  let steps = 0;
  const allowance = budget ? budget.remaining : Infinity;

  // Adds a thread and everything reachable from it without consuming input, at offset `pos` whose
  // code point is `cp`. Threads are added in order of their start, earliest first, so the first to
  // claim an instruction at a position has the earliest start: later ones add nothing new.
  const add = (list: typeof cur, pc0: number, start: number, pos: number, cp: number): void => {
    const closure = closures.of(pc0);
    steps += closure.length;
    for (let i = 0; i < closure.length; i++) {
      const pc = closure[i]!;
      if (seen[pc] === pos) continue;
      seen[pc] = pos;
      const kind = kinds[pc];
      if (kind === SET) {
        list.pcs[list.count] = pc;
        list.starts[list.count++] = start;
      } else if (kind === MATCH) {
        if (start < pos) {
          found = true;
          addSpan(spans, start, pos);
        }
      } else if (assertion((code[pc] as AssertInstruction).kind, prev, cp, program)) {
        add(list, pc + 1, start, pos, cp);
      }
    }
  };

  const skip = skipper(program, text);
  let pos = 0;
  let cp = text.length > 0 ? text.codePointAt(0)! : -1;
  for (;;) {
    if (cur.count === 0 && skip && cp >= 0) {
      // No thread alive: jump to the next character that can start a match (none: we are done).
      const to = skip(pos);
      if (to < 0) break;
      if (to > pos) {
        pos = to;
        cp = text.codePointAt(pos)!;
        prev = previousCodePoint(text, pos);
      }
    }
    add(cur, 0, pos, pos, cp);
    if ((first && found) || cp < 0) break;
    const after = pos + (cp > 0xffff ? 2 : 1);
    const following = after < text.length ? text.codePointAt(after)! : -1;
    prev = cp;
    next.count = 0;
    steps += POSITION_STEPS + cur.count;
    for (let t = 0; t < cur.count; t++) {
      const pc = cur.pcs[t]!;
      if (sets[pc]!.test(cp)) add(next, pc + 1, cur.starts[t]!, after, following);
    }
    const swap = cur;
    cur = next;
    next = swap;
    pos = after;
    cp = following;
    if (steps > allowance && budget) {
      budget.used += steps;
      throw new ScanBudgetExceeded(budget.limit);
    }
  }
  if (budget) budget.used += steps;
  return spans;
}

/**
 * When every match must start with one of a few literal characters, a function giving the next
 * offset ≥ `from` holding one of them (-1: none left). Each character's next occurrence is
 * remembered, so the searches only move forward: linear overall.
 */
function skipper(program: Program, text: string): ((from: number) => number) | undefined {
  const chars = new Set<number>();
  for (const pc of firstSets(program)) {
    const ins = program.code[pc] as Extract<Instruction, { op: 'set' }>;
    if (!ins.set.chars) return undefined;
    for (const char of ins.set.chars) chars.add(char);
  }
  if (chars.size === 0 || chars.size > 8) return undefined;
  const needles = [...chars].map((char) => ({ text: String.fromCodePoint(char), at: -2 }));
  return (from) => {
    let best = -1;
    for (const needle of needles) {
      if (needle.at !== -1 && needle.at < from) needle.at = text.indexOf(needle.text, from);
      if (needle.at >= 0 && (best < 0 || needle.at < best)) best = needle.at;
    }
    return best;
  };
}

/** The `set` instructions a match can begin with (assertions passed through: a superset). */
function firstSets(program: Program): number[] {
  const out: number[] = [];
  const visited = new Set<number>();
  const stack = [0];
  while (stack.length > 0) {
    const pc = stack.pop()!;
    if (visited.has(pc)) continue;
    visited.add(pc);
    const ins = program.code[pc]!;
    if (ins.op === 'jmp') stack.push(ins.to);
    else if (ins.op === 'split') stack.push(ins.y, ins.x);
    else if (ins.op === 'assert') stack.push(pc + 1);
    else if (ins.op === 'set') out.push(pc);
  }
  return out;
}

function previousCodePoint(text: string, pos: number): number {
  if (pos <= 0) return -1;
  const unit = text.charCodeAt(pos - 1);
  if (unit >= 0xdc00 && unit <= 0xdfff && pos >= 2) return text.codePointAt(pos - 2)!;
  return unit;
}

function assertion(
  kind: 'start' | 'end' | 'word' | 'notWord',
  prev: number,
  next: number,
  { multiline, ignoreCase }: Program,
) {
  switch (kind) {
    case 'start':
      return prev < 0 || (multiline && isLineTerminator(prev));
    case 'end':
      return next < 0 || (multiline && isLineTerminator(next));
    case 'word':
    case 'notWord': {
      const boundary =
        (prev >= 0 && isWordChar(prev, ignoreCase)) !== (next >= 0 && isWordChar(next, ignoreCase));
      return kind === 'word' ? boundary : !boundary;
    }
  }
}
