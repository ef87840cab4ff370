import { describe, expect, it } from 'vitest';
import { ToolCallTrack } from '../../src/openai/tool-call-track';

/** Feeds deltas through a track; returns each call's fragments' arguments, joined, by call. */
function rebuild(deltas: Record<string, unknown>[]): string[][] {
  const track = new ToolCallTrack<string[]>();
  for (const delta of deltas) {
    const args = (delta.function as { arguments?: string } | undefined)?.arguments ?? '';
    const call = track.find(delta);
    if (call) call.push(args);
    else track.begin(delta, [args]);
  }
  return track.calls;
}

const fn = (name: string | undefined, args: string) => ({
  function: { ...(name ? { name } : {}), arguments: args },
});

describe('ToolCallTrack', () => {
  it('keeps a call’s later fragments, unnamed or repeating its name, on it', () => {
    expect(
      rebuild([
        { index: 0, id: 'call_a', ...fn('lookup', '{"q":') },
        { index: 0, ...fn(undefined, '"x"') },
        { index: 0, ...fn('lookup', '}') },
      ]),
    ).toEqual([['{"q":', '"x"', '}']]);
  });

  it('begins another call at a taken index for another id', () => {
    expect(
      rebuild([
        { index: 0, id: 'call_a', ...fn('lookup', '{}') },
        { index: 0, id: 'call_b', ...fn('lookup', '{}') },
      ]),
    ).toEqual([['{}'], ['{}']]);
  });

  it('begins another call at a taken index for another name with no id (one index, no ids)', () => {
    expect(
      rebuild([
        { index: 0, ...fn('weather', '{"city":"Oslo"}') },
        { index: 0, ...fn('time', '{"zone":') },
        { index: 0, ...fn(undefined, '"CET"}') },
      ]),
    ).toEqual([['{"city":"Oslo"}'], ['{"zone":', '"CET"}']]);
  });

  it('names a call begun without a name by its first named fragment', () => {
    expect(
      rebuild([
        { index: 0, id: 'call_a', ...fn(undefined, '{') },
        { index: 0, ...fn('lookup', '}') },
        { index: 0, ...fn('other', '{}') },
      ]),
    ).toEqual([['{', '}'], ['{}']]);
  });

  it('follows ids without an index, and a later id on an unnamed fragment (Poolside)', () => {
    expect(
      rebuild([
        { id: 'a', ...fn('one', '{') },
        { id: 'b', ...fn('two', '{') },
        { id: 'a', ...fn(undefined, '}') },
        { index: 0, id: 'c', ...fn('three', '{') },
        { index: 0, id: 'd', ...fn(undefined, '}') },
      ]),
    ).toEqual([['{', '}'], ['{'], ['{', '}']]);
  });
});
