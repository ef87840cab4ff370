// The state a streamed completion's guardrails keep per choice (stream-guard.ts): its output windows,
// placeholder restorers and, with output rules, the tool-call arguments and JSON content held back.
import { ToolCallTrack } from '../openai/tool-call-track';
import { HoldbackScanner, StreamRestorer } from './output';
import type { Placeholders } from './placeholders';
import { jsonEscape } from './placeholders';
import type { GuardrailReport } from './report';
import type { TextRule } from './rules';

/** Where a tool call holds what the model wrote: a function's JSON arguments, a custom tool's free input. */
export const CALL_TEXT = { function: 'arguments', custom: 'input' } as const;
export type CallKind = keyof typeof CALL_TEXT;

/** A streamed tool call: by index, else by id, else the call the last fragment belonged to. */
export type CallKey = number | string;

export interface ChoiceState {
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
  /** The calls by the index each began at: which fragment begins another there (stream-tool-calls.ts). */
  callTrack: ToolCallTrack<number>;
  /** With output rules, the deprecated `function_call`'s arguments, held as a tool call's are. */
  heldFunctionCall: string | undefined;
  /** JSON mode, with output rules: the content so far, held until the choice finishes. */
  heldContent: string;
}

/** A choice's state when its first chunk comes. */
export function choiceState(
  output: readonly TextRule[],
  report: GuardrailReport,
  placeholders: Placeholders,
  originals: Placeholders['restorable'],
  jsonContent: boolean,
): ChoiceState {
  const scanning = output.length > 0;
  return {
    scanner: scanning ? new HoldbackScanner(output, report, placeholders) : undefined,
    refusalScanner: scanning ? new HoldbackScanner(output, report, placeholders) : undefined,
    restorer: new StreamRestorer(originals, jsonContent ? jsonEscape : undefined),
    refusalRestorer: new StreamRestorer(originals),
    tools: new Map(),
    lastRestored: undefined,
    functionRestorer: new StreamRestorer(originals, jsonEscape),
    heldArguments: new Map(),
    lastCall: undefined,
    callTrack: new ToolCallTrack(),
    heldFunctionCall: undefined,
    heldContent: '',
  };
}
