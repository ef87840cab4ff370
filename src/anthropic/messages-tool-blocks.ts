// The tool_use blocks of a Messages event stream (messages-stream.ts), out of chat's tool_calls
// deltas. Anthropic streams one block at a time, each delta between its block's start and stop, and
// clients rely on it: Claude Code and the SDK's `contentBlock` event take a tool's input as it is at
// its block's content_block_stop. Chat's deltas may not come so: a provider may interleave parallel
// calls by `index`, and some give parallel calls one index (SGLang, Dynamo) or none (Gemini's
// OpenAI-compatible endpoint), told apart only by their ids.

import { isWholeJson, providerId, ToolCallTrack } from '../openai/tool-call-track';

type Json = Record<string, unknown>;

/** How the tool blocks are written into the message's event stream. */
export interface BlockWriter {
  /** Starts a content block, returning its index in the message. */
  open(block: Json): number;
  delta(index: number, delta: Json): void;
  stop(index: number): void;
}

interface Call {
  id: string;
  name: string;
  /** The arguments so far; until its block starts, those it will start with. */
  args: string;
  /** Its block's index once started. */
  block?: number;
  stopped: boolean;
}

export interface ToolBlocks {
  /** One entry of a chat delta's `tool_calls`. */
  add(raw: Json): void;
  /**
   * Whether the open call's arguments are not yet a whole JSON value: its block stopped now could
   * not take the rest, so another block waits (messages-stream.ts) until it is whole or the end.
   */
  unfinished(): boolean;
  /** Every call's block started, given its arguments so far and stopped: before another block, and at the end. */
  settle(): void;
}

/**
 * Calls are written in the order they started, one block open at a time. The open call's
 * arguments stream as they come; a call that starts before the open one's arguments are a whole
 * JSON value (calls interleaved) is held, its arguments gathered, and written once the open one
 * is whole — so no delta comes after its block's stop. A block stops only once its arguments are
 * whole (the stream holds text and reasoning back while they are not: `unfinished`) or the answer
 * ends, so a fragment of a call already stopped can only follow a whole JSON value, which nothing
 * but whitespace (or the provider's fault) can: it is dropped, as no delta may follow the stop.
 */
export function toolBlocks(writer: BlockWriter, fallbackId: (ordinal: number) => string): ToolBlocks {
  /** Which call each delta continues (one index for several calls, none, ids that change). */
  const track = new ToolCallTrack<Call>();
  /** The calls in the order they started. */
  const calls: Call[] = [];
  /** The first call not yet stopped: the open one once its block started. */
  let live = 0;

  const start = (call: Call) => {
    call.block = writer.open({ type: 'tool_use', id: call.id, name: call.name, input: {} });
    if (call.args !== '') writer.delta(call.block, { type: 'input_json_delta', partial_json: call.args });
  };
  const stop = (call: Call) => {
    if (call.block === undefined) start(call);
    writer.stop(call.block as number);
    call.stopped = true;
  };

  /** The open call stopped and the next one started, for as long as the open one is whole. */
  const advance = () => {
    for (let call = calls[live]; call; call = calls[live]) {
      if (call.block === undefined) start(call);
      if (live === calls.length - 1 || !isWholeJson(call.args)) return;
      stop(call);
      live++;
    }
  };

  return {
    add(raw) {
      const fn = raw.function !== null && typeof raw.function === 'object' ? (raw.function as Json) : {};
      const piece = typeof fn.arguments === 'string' ? fn.arguments : '';
      let call = track.find(raw);
      if (!call) {
        call = {
          id: providerId(raw) ?? fallbackId(calls.length),
          name: String(fn.name ?? ''),
          args: '',
          stopped: false,
        };
        calls.push(call);
        track.begin(raw, call);
      }
      if (piece === '' || call.stopped) return advance();
      call.args += piece;
      if (call.block !== undefined && calls.indexOf(call) === live)
        writer.delta(call.block, { type: 'input_json_delta', partial_json: piece });
      advance();
    },
    unfinished() {
      const open = calls[live];
      return open !== undefined && !isWholeJson(open.args);
    },
    settle() {
      for (; live < calls.length; live++) stop(calls[live] as Call);
    },
  };
}
