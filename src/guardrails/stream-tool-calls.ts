// A streamed choice's tool calls (and deprecated function_call) under guardrails (stream-guard.ts):
// with output rules, their arguments held back until the choice finishes and scanned whole; then,
// each call's placeholders restored by a restorer of its own.
import type { ToolCallTrack } from '../openai/tool-call-track';
import { StreamRestorer, scanArguments, scanOutput } from './output';
import type { Placeholders } from './placeholders';
import { jsonEscape } from './placeholders';
import type { GuardrailReport } from './report';
import type { TextRule } from './rules';
import { CALL_TEXT, type CallKey, type CallKind, type ChoiceState } from './stream-choice';

type Loose = Record<string, unknown>;

/**
 * Keeps the argument fragments of the delta's tool calls (and deprecated function_call) back; the
 * rest of each call goes on. A call that begins at an index another call took (services that number
 * every call 0, such as Ollama) releases the other's arguments first: released at the finish, they
 * would come after this call began, and read as its own.
 */
export function holdArguments(
  state: ChoiceState,
  delta: Loose,
  output: readonly TextRule[],
  report: GuardrailReport,
  placeholders: Placeholders,
): void {
  const legacy = functionCallOf(delta);
  if (legacy) {
    state.heldFunctionCall = (state.heldFunctionCall ?? '') + (legacy.arguments as string);
    legacy.arguments = '';
    if (Object.keys(legacy).length === 1) delete delta.function_call;
  }
  if (!Array.isArray(delta.tool_calls)) return;
  const calls: Loose[] = [];
  for (const [position, call] of (delta.tool_calls as Loose[]).entries()) {
    const index = call.index as number;
    const before = takesIndexOver(state.callTrack, call) ? state.heldArguments.get(index) : undefined;
    if (before) {
      calls.push(releasedCall(index, before, output, report, placeholders));
      state.heldArguments.delete(index);
    }
    const kind = callKind(call);
    if (!kind) {
      calls.push(call);
      continue;
    }
    const inner = call[kind] as Loose;
    const key = callKey(call, state.lastCall, position);
    state.lastCall = key;
    const held = state.heldArguments.get(key)?.text ?? '';
    state.heldArguments.set(key, { kind, text: held + (inner[CALL_TEXT[kind]] as string) });
    inner[CALL_TEXT[kind]] = '';
    // A fragment alone says nothing once its arguments are held.
    if (Object.keys(call).some((key) => key !== 'index' && key !== kind) || Object.keys(inner).length > 1)
      calls.push(call);
  }
  if (calls.length > 0) delta.tool_calls = calls;
  else delete delta.tool_calls;
}

/** At the finish: each held call's arguments, scanned whole (a block throws), as one fragment. */
export function releaseArguments(
  state: ChoiceState,
  delta: Loose,
  output: readonly TextRule[],
  report: GuardrailReport,
  placeholders: Placeholders,
): void {
  if (state.heldFunctionCall !== undefined) {
    const args = scanArguments(state.heldFunctionCall, output, report, placeholders);
    state.heldFunctionCall = undefined;
    delta.function_call = { ...((delta.function_call as Loose | undefined) ?? {}), arguments: args };
  }
  if (state.heldArguments.size === 0) return;
  const released = [...state.heldArguments].map(([key, held]) =>
    releasedCall(key, held, output, report, placeholders),
  );
  state.heldArguments.clear();
  delta.tool_calls = [...((delta.tool_calls as Loose[] | undefined) ?? []), ...released];
}

/** A held call's arguments (a custom call's input), scanned whole, as one fragment of that call. */
function releasedCall(
  key: CallKey,
  { kind, text }: { kind: CallKind; text: string },
  output: readonly TextRule[],
  report: GuardrailReport,
  placeholders: Placeholders,
): Loose {
  return {
    ...(typeof key === 'number' ? { index: key } : { id: key }),
    [kind]: {
      [CALL_TEXT[kind]]:
        kind === 'custom'
          ? scanOutput(text, output, report, placeholders)
          : scanArguments(text, output, report, placeholders),
    },
  };
}

/**
 * Whether a fragment begins another call at an index a call already took, by the rule the Responses
 * and Messages translations and the cache follow (ToolCallTrack): a new id with a name, or no id and
 * another name. `calls` tracks each call by the index it began at.
 */
function takesIndexOver(calls: ToolCallTrack<number>, call: Loose): boolean {
  if (typeof call.index !== 'number' || calls.find(call) !== undefined) return false;
  const taken = calls.calls.includes(call.index);
  calls.begin(call, call.index);
  return taken;
}

/** Restores the delta's tool calls, each with its own restorer; at the finish, what they carry. */
export function restoreToolCalls(
  state: ChoiceState,
  delta: Loose,
  finished: boolean,
  originals: Placeholders['restorable'],
): void {
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

/**
 * Which call a streamed tool-call fragment belongs to: by index; a provider that sends none (Gemini's
 * compatible endpoint) is followed by call id, and a fragment with neither continues the last call.
 */
function callKey(call: Loose, last: CallKey | undefined, position: number): CallKey {
  if (typeof call.index === 'number') return call.index;
  return typeof call.id === 'string' ? call.id : (last ?? position);
}

/** The delta's deprecated `function_call`, when it carries arguments. */
export function functionCallOf(delta: Loose): Loose | undefined {
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
