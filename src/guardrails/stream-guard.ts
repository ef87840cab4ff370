// Guardrails on a streamed completion, one SSE event at a time, without buffering the stream:
// per choice, content deltas pass through the output scanner (a 64-character held-back window) and
// then the placeholder restorer (which carries at most one partial placeholder). Held text is
// released with the choice's finish_reason chunk. A block ends the client's stream with an error
// event; the rest of the upstream stream is still read (for usage) but not relayed.

import { HoldbackScanner, StreamBlocked, StreamRestorer } from './output';
import type { Placeholders } from './placeholders';
import { jsonEscape } from './placeholders';
import type { GuardrailReport } from './report';
import { guardrailBlocked } from './report';
import type { TextRule } from './rules';

type Loose = Record<string, unknown>;

interface ChoiceState {
  scanner: HoldbackScanner | undefined;
  restorer: StreamRestorer;
  tools: Map<number, StreamRestorer>;
}

export function streamMapper(
  output: readonly TextRule[],
  report: GuardrailReport,
  placeholders: Placeholders,
): (data: string) => string | null {
  const originals = placeholders.restorable;
  const choices = new Map<number, ChoiceState>();
  let stopped = false;

  const stateOf = (index: number): ChoiceState => {
    let state = choices.get(index);
    if (!state) {
      state = {
        scanner: output.length > 0 ? new HoldbackScanner(output, report, placeholders) : undefined,
        restorer: new StreamRestorer(originals),
        tools: new Map(),
      };
      choices.set(index, state);
    }
    return state;
  };

  const content = (state: ChoiceState, delta: string, finished: boolean): string => {
    let text = state.scanner ? state.scanner.push(delta) : delta;
    if (finished && state.scanner) text += state.scanner.flush();
    text = state.restorer.push(text);
    return finished ? text + state.restorer.flush() : text;
  };

  return (data) => {
    if (stopped) return null;
    if (!data.includes('"choices"')) return data;
    let chunk: Loose;
    try {
      chunk = JSON.parse(data) as Loose;
    } catch {
      return data;
    }
    if (!Array.isArray(chunk.choices)) return data;
    try {
      for (const choice of chunk.choices as Loose[]) {
        const state = stateOf(typeof choice.index === 'number' ? choice.index : 0);
        const delta = (choice.delta ?? {}) as Loose;
        const finished = choice.finish_reason != null;
        if (typeof delta.content === 'string' || finished) {
          const text = content(state, typeof delta.content === 'string' ? delta.content : '', finished);
          if (typeof delta.content === 'string' || text) choice.delta = { ...delta, content: text };
        }
        if (Array.isArray(delta.tool_calls) && originals.size > 0) restoreToolCalls(state, delta.tool_calls);
      }
    } catch (error) {
      if (!(error instanceof StreamBlocked)) throw error;
      stopped = true;
      return JSON.stringify(guardrailBlocked(error.message, 'response').toBody());
    }
    return JSON.stringify(chunk);
  };

  function restoreToolCalls(state: ChoiceState, calls: unknown[]): void {
    for (const call of calls as Loose[]) {
      const fn = call.function as Loose | undefined;
      if (!fn || typeof fn.arguments !== 'string') continue;
      const index = typeof call.index === 'number' ? call.index : 0;
      const restorer = state.tools.get(index) ?? new StreamRestorer(originals, jsonEscape);
      state.tools.set(index, restorer);
      fn.arguments = restorer.push(fn.arguments);
    }
  }
}
