// Epsilon-closures of a compiled pattern (what each instruction reaches without consuming input),
// memoised, and the static cost bound they give: the most steps one character can cost the matcher.
import { POSITION_STEPS } from './budget';
import type { Instruction } from './program';

/** Memoised epsilon-closures: the `set`, `match` and `assert` instructions each instruction leads to. */
export class Closures {
  private readonly memo: (Int32Array | undefined)[] = [];
  /** DFS marks, by walk number, so a walk needs no fresh visited set. */
  private readonly marks: Int32Array;
  private walk = 0;

  constructor(private readonly code: readonly Instruction[]) {
    this.marks = new Int32Array(code.length);
  }

  of(pc0: number): Int32Array {
    let closure = this.memo[pc0];
    if (closure) return closure;
    const walk = ++this.walk;
    const out: number[] = [];
    const stack = [pc0];
    while (stack.length > 0) {
      const pc = stack.pop()!;
      if (this.marks[pc] === walk) continue;
      this.marks[pc] = walk;
      const ins = this.code[pc]!;
      if (ins.op === 'jmp') stack.push(ins.to);
      else if (ins.op === 'split') stack.push(ins.y, ins.x);
      else out.push(pc); // set, match, and assertions (decided at run time, per position)
    }
    closure = Int32Array.from(out);
    // Only closures the matcher can ask for are computed, and stepBound() caps their total size
    // at validation time, so the memo stays small.
    this.memo[pc0] = closure;
    return closure;
  }
}

/**
 * The most steps the matcher can spend on one character of text, where a step is one closure
 * entry visited or one set tested, plus POSITION_STEPS for the position itself: every position
 * walks the closure of the start, and at most one thread per `set` instruction steps to the closure
 * of the next instruction (each assertion, when it holds, adds the closure after it once). So a
 * text of n characters costs at most (n + 1) × stepBound steps. Stops counting once past `cap`
 * (the answer is then only "more than cap").
 */
export function stepBound(code: readonly Instruction[], closures: Closures, cap = Infinity): number {
  let steps = POSITION_STEPS + closures.of(0).length;
  for (let pc = 0; pc < code.length && steps <= cap; pc++) {
    const op = code[pc]!.op;
    if (op === 'set') steps += 1 + closures.of(pc + 1).length;
    else if (op === 'assert') steps += closures.of(pc + 1).length;
  }
  return steps;
}
