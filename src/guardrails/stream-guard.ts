// Guardrails on a streamed completion, one SSE event at a time, without buffering the stream:
// per choice, content and refusal deltas pass through the output scanner (a 64-character held-back
// window) and then a placeholder restorer of their own (which carries at most one partial
// placeholder), as each tool call's arguments do through theirs. Held text is
// released with the choice's finish_reason chunk. A block ends the client's stream with an error
// event (and no [DONE]); the rest of the upstream stream is still read (for usage) but not relayed. The log sees each
// event between the two steps: output redactions applied, placeholders not yet restored.

import { GatewayError } from '../errors';
import type { MappedEvent } from '../openai/stream-relay';
import { StreamBlocked, scanArguments, scannableOnly } from './output';
import type { Placeholders } from './placeholders';
import type { GuardrailReport } from './report';
import { guardrailBlocked } from './report';
import type { TextRule } from './rules';
import { ScanLimitExceeded } from './scan-limit';
import { type ChoiceState, choiceState } from './stream-choice';
import { functionCallOf, holdArguments, releaseArguments, restoreToolCalls } from './stream-tool-calls';

type Loose = Record<string, unknown>;

/** `log` receives every relayed event as the log row may keep it; nothing after a block. */
export function streamMapper(
  output: readonly TextRule[],
  report: GuardrailReport,
  placeholders: Placeholders,
  log?: (data: string) => void,
  /** The answer's content is JSON (JSON mode): restored values go back JSON-escaped. */
  jsonContent = false,
): (data: string) => MappedEvent {
  const originals = placeholders.restorable;
  const choices = new Map<number, ChoiceState>();
  let stopped = false;

  const stateOf = (index: number): ChoiceState => {
    let state = choices.get(index);
    if (!state) {
      state = choiceState(output, report, placeholders, originals, jsonContent);
      choices.set(index, state);
    }
    return state;
  };

  /** Runs `step` on each choice's content (or refusal) delta, and on a finishing choice without one. */
  const eachContent = (
    list: Loose[],
    step: (state: ChoiceState, delta: string, finished: boolean) => string,
    field: 'content' | 'refusal' = 'content',
  ): void => {
    for (const choice of list) {
      const state = stateOf(typeof choice.index === 'number' ? choice.index : 0);
      const delta = (choice.delta ?? {}) as Loose;
      const finished = choice.finish_reason != null;
      if (typeof delta[field] !== 'string' && !finished) continue;
      const text = step(state, typeof delta[field] === 'string' ? delta[field] : '', finished);
      if (typeof delta[field] === 'string' || text) choice.delta = { ...delta, [field]: text };
    }
  };

  const scan = (state: ChoiceState, delta: string, finished: boolean): string => {
    if (!state.scanner) return delta;
    if (!jsonContent) return through(state.scanner, delta, finished);
    // JSON mode: the content is one JSON text, scanned value by value once whole, as tool-call
    // arguments are (a window over the raw text saw `\n` glued to a value, and a redaction could
    // break an escape). So it reaches the client with the finish, not as it comes.
    state.heldContent += delta;
    if (!finished) return '';
    const whole = state.heldContent;
    state.heldContent = '';
    return scanArguments(whole, output, report, placeholders);
  };

  /** Output rules on what else a choice says: its refusal (windowed) and its tool calls (held whole). */
  const scanOthers = (list: Loose[]): void => {
    if (output.length === 0) return;
    for (const choice of list) {
      const state = stateOf(typeof choice.index === 'number' ? choice.index : 0);
      const delta = (choice.delta ?? {}) as Loose;
      const finished = choice.finish_reason != null;
      const scanner = state.refusalScanner!;
      if (typeof delta.refusal === 'string' || finished) {
        const refusal = through(scanner, typeof delta.refusal === 'string' ? delta.refusal : '', finished);
        if (typeof delta.refusal === 'string' || refusal) delta.refusal = refusal;
      }
      holdArguments(state, delta, output, report, placeholders);
      if (finished) releaseArguments(state, delta, output, report, placeholders);
      choice.delta = delta;
    }
  };

  const restoreContent = (state: ChoiceState, delta: string, finished: boolean): string => {
    return through(state.restorer, delta, finished);
  };

  return (data) => {
    if (stopped) return null;
    const chunk = choicesChunk(data);
    if (!chunk) {
      log?.(data);
      return data;
    }
    const list = chunk.choices as Loose[];
    // As in JSON answers (guard.ts): nothing the rules do not scan is relayed.
    for (const choice of list) {
      if (choice.delta) scannableOnly(choice.delta as Loose);
      if (choice.logprobs != null) choice.logprobs = null; // they spell the answer out (guard.ts)
    }
    try {
      eachContent(list, scan);
      scanOthers(list);
    } catch (error) {
      // Either ends the answer with an OpenAI error event: a block, or patterns out of scan budget
      // (fails closed: the rest of the answer was not shown to be clean).
      let ending: GatewayError;
      if (error instanceof StreamBlocked) ending = guardrailBlocked(error.message, 'response');
      // Out of scan budget, or a block in a whole text (the held tool-call arguments).
      else if (error instanceof ScanLimitExceeded || error instanceof GatewayError) ending = error;
      else throw error;
      stopped = true;
      const event = JSON.stringify(ending.toBody());
      log?.(event);
      return { end: event };
    }
    // Nothing left to say (argument fragments held back): the event is dropped.
    if (isEmpty(chunk)) return null;
    const scanned = JSON.stringify(chunk);
    log?.(scanned);
    if (originals.size === 0) return scanned;
    eachContent(list, restoreContent);
    eachContent(list, (state, delta, finished) => through(state.refusalRestorer, delta, finished), 'refusal');
    for (const choice of list) {
      const delta = (choice.delta ?? {}) as Loose;
      const state = stateOf(typeof choice.index === 'number' ? choice.index : 0);
      const finished = choice.finish_reason != null;
      restoreToolCalls(state, delta, finished, originals);
      const legacy = functionCallOf(delta);
      const pushed = legacy ? state.functionRestorer.push(legacy.arguments as string) : '';
      const text = pushed + (finished ? state.functionRestorer.flush() : '');
      if (legacy || text) delta.function_call = { ...legacy, arguments: text };
      if (Object.keys(delta).length > 0) choice.delta = delta;
    }
    return JSON.stringify(chunk);
  };
}

/** A delta through a holding stage (the output window, the restorer): what it releases, and all it held once the choice finished. */
function through(
  stage: { push(delta: string): string; flush(): string },
  delta: string,
  finished: boolean,
): string {
  const text = stage.push(delta);
  return finished ? text + stage.flush() : text;
}

/**
 * A chunk whose choices say nothing (no finish; no delta field but empty text — what the output
 * window holds back leaves its chunk's text empty, a dozen such chunks before the first words) and
 * that carries no usage. The first chunk, which names the role, is kept.
 */
function isEmpty(chunk: Loose): boolean {
  const choices = chunk.choices as Loose[];
  // No choices at all is a chunk of its own kind (usage, Azure's prompt filter results): kept.
  if (chunk.usage || choices.length === 0) return false;
  return choices.every(
    (choice) =>
      choice.finish_reason == null &&
      Object.entries((choice.delta ?? {}) as Loose).every(
        ([field, value]) => (field === 'content' || field === 'refusal') && value === '',
      ),
  );
}

/** The event as a chunk with a `choices` list, or undefined for anything else (relayed untouched). */
function choicesChunk(data: string): Loose | undefined {
  if (!data.includes('"choices"')) return undefined;
  try {
    const chunk = JSON.parse(data) as unknown;
    if (chunk && typeof chunk === 'object' && Array.isArray((chunk as Loose).choices)) return chunk as Loose;
  } catch {
    // Not JSON: relayed as the provider sent it.
  }
  return undefined;
}
