// Guardrails on a streamed completion, one SSE event at a time, without buffering the stream:
// per choice, content and refusal deltas pass through the output scanner (a 64-character held-back
// window) and then a placeholder restorer of their own (which carries at most one partial
// placeholder), as each tool call's arguments do through theirs. Held text is
// released with the choice's finish_reason chunk. A block ends the client's stream with an error
// event (and no [DONE]); the rest of the upstream stream is still read (for usage) but not relayed. The log sees each
// event between the two steps: output redactions applied, placeholders not yet restored.

import { GatewayError } from '../errors';
import type { MappedEvent } from '../openai/stream-relay';
import {
  HoldbackScanner,
  StreamBlocked,
  StreamRestorer,
  scanArguments,
  scannableOnly,
  scanOutput,
} from './output';
import type { Placeholders } from './placeholders';
import { jsonEscape } from './placeholders';
import type { GuardrailReport } from './report';
import { guardrailBlocked } from './report';
import type { TextRule } from './rules';
import { ScanLimitExceeded } from './scan-limit';

type Loose = Record<string, unknown>;

/** Where a tool call holds what the model wrote: a function's JSON arguments, a custom tool's free input. */
const CALL_TEXT = { function: 'arguments', custom: 'input' } as const;
type CallKind = keyof typeof CALL_TEXT;

/** A streamed tool call: by index, else by id, else the call the last fragment belonged to. */
type CallKey = number | string;

interface ChoiceState {
  scanner: HoldbackScanner | undefined;
  /** The refusal's own window (a refusal streams like content). */
  refusalScanner: HoldbackScanner | undefined;
  restorer: StreamRestorer;
  refusalRestorer: StreamRestorer;
  /** Each tool call's restorer (what it carries is flushed with the finish), keyed as held arguments are. */
  tools: Map<CallKey, { kind: CallKind; restorer: StreamRestorer }>;
  /** The call the last fragment without an index or id restored belonged to. */
  lastRestored: CallKey | undefined;
  /** The deprecated `function_call`'s arguments: restored on their own. */
  functionRestorer: StreamRestorer;
  /**
   * With output rules, tool-call arguments (a custom tool call's input) by call index, held until
   * the choice finishes: JSON fragments cannot be scanned value by value until whole, and arguments
   * are used whole anyway.
   */
  heldArguments: Map<CallKey, { kind: CallKind; text: string }>;
  /** The call the last fragment without an index belonged to (providers that omit it). */
  lastCall: CallKey | undefined;
  /** With output rules, the deprecated `function_call`'s arguments, held as a tool call's are. */
  heldFunctionCall: string | undefined;
  /** JSON mode, with output rules: the content so far, held until the choice finishes. */
  heldContent: string;
}

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
      const scanning = output.length > 0;
      state = {
        scanner: scanning ? new HoldbackScanner(output, report, placeholders) : undefined,
        refusalScanner: scanning ? new HoldbackScanner(output, report, placeholders) : undefined,
        restorer: new StreamRestorer(originals, jsonContent ? jsonEscape : undefined),
        refusalRestorer: new StreamRestorer(originals),
        tools: new Map(),
        lastRestored: undefined,
        functionRestorer: new StreamRestorer(originals, jsonEscape),
        heldArguments: new Map(),
        lastCall: undefined,
        heldFunctionCall: undefined,
        heldContent: '',
      };
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
      holdArguments(state, delta);
      if (finished) releaseArguments(state, delta);
      choice.delta = delta;
    }
  };

  /**
   * Keeps the argument fragments of the delta's tool calls (and deprecated function_call) back; the
   * rest of each call goes on.
   */
  const holdArguments = (state: ChoiceState, delta: Loose): void => {
    const legacy = functionCallOf(delta);
    if (legacy) {
      state.heldFunctionCall = (state.heldFunctionCall ?? '') + (legacy.arguments as string);
      legacy.arguments = '';
      if (Object.keys(legacy).length === 1) delete delta.function_call;
    }
    if (!Array.isArray(delta.tool_calls)) return;
    const calls = (delta.tool_calls as Loose[]).filter((call, position) => {
      const kind = callKind(call);
      if (!kind) return true;
      const inner = call[kind] as Loose;
      const key = callKey(call, state.lastCall, position);
      state.lastCall = key;
      const held = state.heldArguments.get(key)?.text ?? '';
      state.heldArguments.set(key, { kind, text: held + (inner[CALL_TEXT[kind]] as string) });
      inner[CALL_TEXT[kind]] = '';
      // A fragment alone says nothing once its arguments are held.
      return (
        Object.keys(call).some((key) => key !== 'index' && key !== kind) || Object.keys(inner).length > 1
      );
    });
    if (calls.length > 0) delta.tool_calls = calls;
    else delete delta.tool_calls;
  };

  /** At the finish: each held call's arguments, scanned whole (a block throws), as one fragment. */
  const releaseArguments = (state: ChoiceState, delta: Loose): void => {
    if (state.heldFunctionCall !== undefined) {
      const args = scanArguments(state.heldFunctionCall, output, report, placeholders);
      state.heldFunctionCall = undefined;
      delta.function_call = { ...((delta.function_call as Loose | undefined) ?? {}), arguments: args };
    }
    if (state.heldArguments.size === 0) return;
    const released = [...state.heldArguments].map(([key, { kind, text }]) => ({
      ...(typeof key === 'number' ? { index: key } : { id: key }),
      [kind]: {
        [CALL_TEXT[kind]]:
          kind === 'custom'
            ? scanOutput(text, output, report, placeholders)
            : scanArguments(text, output, report, placeholders),
      },
    }));
    state.heldArguments.clear();
    delta.tool_calls = [...((delta.tool_calls as Loose[] | undefined) ?? []), ...released];
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
      restoreToolCalls(state, delta, finished);
      const legacy = functionCallOf(delta);
      const pushed = legacy ? state.functionRestorer.push(legacy.arguments as string) : '';
      const text = pushed + (finished ? state.functionRestorer.flush() : '');
      if (legacy || text) delta.function_call = { ...legacy, arguments: text };
      if (Object.keys(delta).length > 0) choice.delta = delta;
    }
    return JSON.stringify(chunk);
  };

  /** Restores the delta's tool calls, each with its own restorer; at the finish, what they carry. */
  function restoreToolCalls(state: ChoiceState, delta: Loose, finished: boolean): void {
    const calls = Array.isArray(delta.tool_calls) ? (delta.tool_calls as Loose[]) : [];
    calls.forEach((call, position) => {
      const kind = callKind(call);
      if (!kind) return;
      const inner = call[kind] as Loose;
      const key = callKey(call, state.lastRestored, position);
      state.lastRestored = key;
      let tool = state.tools.get(key);
      if (!tool) {
        tool = {
          kind,
          restorer: new StreamRestorer(originals, kind === 'function' ? jsonEscape : undefined),
        };
        state.tools.set(key, tool);
      }
      inner[CALL_TEXT[kind]] = tool.restorer.push(inner[CALL_TEXT[kind]] as string);
    });
    if (!finished) return;
    const rest = [...state.tools].flatMap(([key, { kind, restorer }]) => {
      const text = restorer.flush();
      return text
        ? [
            {
              ...(typeof key === 'number' ? { index: key } : { id: key }),
              [kind]: { [CALL_TEXT[kind]]: text },
            },
          ]
        : [];
    });
    if (rest.length > 0) delta.tool_calls = [...calls, ...rest];
  }
}

/**
 * Which call a streamed tool-call fragment belongs to: by index; a provider that sends none (Gemini's
 * compatible endpoint) is followed by call id, and a fragment with neither continues the last call.
 */
function callKey(call: Loose, last: CallKey | undefined, position: number): CallKey {
  if (typeof call.index === 'number') return call.index;
  return typeof call.id === 'string' ? call.id : (last ?? position);
}

/** The delta's deprecated `function_call`, when it carries arguments. */
function functionCallOf(delta: Loose): Loose | undefined {
  const call = delta.function_call as Loose | null | undefined;
  return call && typeof call === 'object' && typeof call.arguments === 'string' ? call : undefined;
}

/** Which of a streamed tool call's fields carries text the model wrote, if any does. */
function callKind(call: Loose | undefined): CallKind | undefined {
  for (const kind of ['function', 'custom'] as const) {
    const inner = call?.[kind] as Loose | undefined;
    if (inner && typeof inner === 'object' && typeof inner[CALL_TEXT[kind]] === 'string') return kind;
  }
  return undefined;
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

/** A chunk whose choices say nothing (no delta field, no finish) and that carries no usage. */
function isEmpty(chunk: Loose): boolean {
  const choices = chunk.choices as Loose[];
  // No choices at all is a chunk of its own kind (usage, Azure's prompt filter results): kept.
  if (chunk.usage || choices.length === 0) return false;
  return choices.every(
    (choice) => choice.finish_reason == null && Object.keys((choice.delta ?? {}) as Loose).length === 0,
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
