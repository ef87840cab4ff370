// A streamed choice's tool calls rebuilt from their deltas (assemble.ts). Chat streams a call's
// fragments under its `index`, but some services give parallel calls one index (Ollama numbers
// every call 0) or none (Gemini's OpenAI-compatible API), told apart only by their ids: told by
// index alone, two calls would be kept as one, named as the first, with both arguments run together.

import { isRecord } from '../json-record';
import { ToolCallTrack } from '../openai/tool-call-track';

export interface ToolCallDelta {
  index?: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
  /** A custom tool's call: its name, and its free-text input in fragments as arguments come. */
  custom?: { name?: string; input?: string };
  /** A service's own fields on the call: Gemini's `extra_content.google.thought_signature`. */
  [other: string]: unknown;
}

/** The delta fields a call has a place of its own for; `index` places the call, it is not kept. */
const KNOWN_CALL = new Set(['index', 'id', 'type', 'function', 'custom']);
/** A name an upstream's JSON may hold that, assigned, would set an object's prototype: never kept. */
const PROTO = '__proto__';

/** A tool call being built: a function's, or (type `custom`) a custom tool's. */
interface BuildingCall {
  id: string;
  type: string;
  function?: { name: string; arguments: string };
  custom?: { name: string; input: string };
  /**
   * The deltas' other fields, kept on the call: Gemini 3 refuses a next turn whose call lacks the
   * thought signature it came with. Objects merged key by key, anything else the last value sent,
   * never joined: the call's streamed text is its arguments, and an opaque signature a service
   * repeated on each fragment must not come back doubled.
   */
  other: Record<string, unknown>;
}

/** The calls of one choice, in the order they began. */
export class ToolCallBuilder {
  /** Which call each delta continues (tool-call-track.ts). */
  private readonly track = new ToolCallTrack<BuildingCall>();

  add(delta: ToolCallDelta): void {
    let call = this.track.find(delta);
    if (!call) {
      call = { id: '', type: 'function', other: {} };
      this.track.begin(delta, call);
    }
    if (delta.id) call.id = delta.id;
    if (delta.type) call.type = delta.type;
    // The first name stands: a service that names every fragment repeats it (tool-call-track.ts),
    // and joined, a replay would call `lookuplookup`.
    if (delta.custom) {
      call.custom ??= { name: '', input: '' };
      call.custom.name ||= delta.custom.name ?? '';
      call.custom.input += delta.custom.input ?? '';
    }
    if (delta.function) {
      call.function ??= { name: '', arguments: '' };
      call.function.name ||= delta.function.name ?? '';
      call.function.arguments += delta.function.arguments ?? '';
    }
    for (const [name, value] of otherCallFields(delta))
      if (value != null) call.other[name] = merged(call.other[name], value);
  }

  /** The calls as a chat.completion's message holds them. */
  finished() {
    return this.track.calls.map(({ id, type, function: fn, custom, other }) =>
      type === 'custom'
        ? { id, type, custom: custom ?? { name: '', input: '' }, ...other }
        : { id, type, function: fn ?? { name: '', arguments: '' }, ...other },
    );
  }
}

/** A call delta's fields the call keeps as they came (ToolCallBuilder's `other`). */
export function otherCallFields(delta: ToolCallDelta): [string, unknown][] {
  return Object.entries(delta).filter(([name]) => !KNOWN_CALL.has(name) && name !== PROTO);
}

/** A call's field with one more delta's value of it; a later null does not undo what came. */
function merged(held: unknown, value: unknown): unknown {
  if (value == null) return held;
  if (!isRecord(value) || !isRecord(held)) return value;
  const both = { ...held };
  for (const [name, part] of Object.entries(value)) if (name !== PROTO) both[name] = merged(both[name], part);
  return both;
}
