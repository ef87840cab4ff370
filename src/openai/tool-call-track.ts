// Which tool call a chat stream's `tool_calls` delta continues. Chat streams a call's fragments
// under its `index`, but services differ: some give parallel calls one index (Ollama numbers every
// call 0, SGLang and Dynamo too) or none (Gemini's OpenAI-compatible API), told apart only by
// their ids; some give a call's later fragments another id than its first (Poolside). Chat names a
// call once, in its first fragment, so a fragment with a name and a new id begins another call,
// and so does one with another name and no id where the index already has a named call (services
// that give every call one index and no ids); one without a name is more of a call whatever id it
// carries, and one repeating its call's name too (some services name every fragment). Used wherever a stream's calls
// are rebuilt: the Responses and Messages translations (responses-call-items.ts,
// anthropic/messages-tool-blocks.ts) and the cache's assembly (cache/assemble-tool-calls.ts).
import { isRecord } from '../json-record';

interface Tracked<C> {
  /** The id the provider gave the call's first fragment, if it gave one. */
  id: string | undefined;
  /** The name the call's first named fragment gave it. */
  name: string | undefined;
  call: C;
}

export class ToolCallTrack<C> {
  private readonly tracked: Tracked<C>[] = [];
  /** The call each index last began. */
  private readonly byIndex = new Map<number, Tracked<C>>();

  /** The calls in the order they began. */
  get calls(): C[] {
    return this.tracked.map((entry) => entry.call);
  }

  /**
   * The call `delta` continues; undefined when it begins one (then `begin`). At an index already
   * taken, a named fragment with another id is another call, and so is one with no id and another
   * name than the call's. Without an index, an id names its call, a name without a known id begins
   * one, and a fragment with neither goes on the last call.
   */
  find(delta: Record<string, unknown>): C | undefined {
    const id = providerId(delta);
    const name = nameOf(delta);
    if (typeof delta.index === 'number') {
      const known = this.byIndex.get(delta.index);
      if (!known) return undefined;
      if (name === undefined) return known.call;
      const same = id === undefined ? known.name === undefined || known.name === name : id === known.id;
      if (same && known.name === undefined) known.name = name;
      return same ? known.call : undefined;
    }
    const byId = id === undefined ? undefined : this.tracked.find((entry) => entry.id === id);
    return (byId ?? (name !== undefined ? undefined : this.tracked.at(-1)))?.call;
  }

  /** `call` begins with `delta` (one `find` answered undefined for). */
  begin(delta: Record<string, unknown>, call: C): void {
    const entry = { id: providerId(delta), name: nameOf(delta), call };
    this.tracked.push(entry);
    if (typeof delta.index === 'number') this.byIndex.set(delta.index, entry);
  }
}

/** The name a fragment gives its call (a function's or a custom tool's), if it gives one. */
function nameOf(delta: Record<string, unknown>): string | undefined {
  for (const inner of [delta.function, delta.custom]) {
    if (isRecord(inner) && typeof inner.name === 'string' && inner.name !== '') return inner.name;
  }
  return undefined;
}

/**
 * Whether a call's arguments so far are a whole JSON value: then a later call's beginning ends it,
 * where the translations write calls one at a time (a provider interleaving calls sends more).
 */
export function isWholeJson(json: string): boolean {
  try {
    JSON.parse(json);
    return true;
  } catch {
    return false;
  }
}

/** A fragment's id, if it has one that is not empty. */
export function providerId(delta: Record<string, unknown>): string | undefined {
  return typeof delta.id === 'string' && delta.id !== '' ? delta.id : undefined;
}
