// Thinking blocks back where Claude wrote them among an answer's text and tool calls.
import { describe, expect, it } from 'vitest';
import { interleave, placed, positionOf, type TextBlocks, textIn } from '../../src/providers/thinking-order';

type B = { t: string; text?: string };
const TEXT: TextBlocks<B> = {
  length: (b) => b.text?.length ?? 0,
  split: (b, at) => [
    { ...b, text: b.text!.slice(0, at) },
    { ...b, text: b.text!.slice(at) },
  ],
};
const think = (name: string, content?: number, tool_calls?: number) => ({
  block: { t: name },
  ...(content === undefined ? {} : { position: { content, tool_calls: tool_calls ?? 0 } }),
});
const names = (blocks: B[]) => blocks.map((b) => (b.text === undefined ? b.t : `${b.t}:${b.text}`));

describe('interleave', () => {
  const text = [{ t: 'text', text: 'abcdef' }];
  const calls = [{ t: 'call1' }, { t: 'call2' }];

  it('without positions: thinking, text, tool calls (chat order)', () => {
    expect(names(interleave([think('A'), think('B')], text, calls, TEXT))).toEqual([
      'A',
      'B',
      'text:abcdef',
      'call1',
      'call2',
    ]);
  });

  it('cuts the text where a block stood, and puts a block after the calls its position counts', () => {
    const thinking = [think('A'), think('B', 2), think('C', 6, 1), think('D', 6, 2)];
    expect(names(interleave(thinking, text, calls, TEXT))).toEqual([
      'A',
      'text:ab',
      'B',
      'text:cdef',
      'call1',
      'C',
      'call2',
      'D',
    ]);
  });

  it('keeps text that came after a call after it: text, call, thinking, text, call', () => {
    const thinking = [think('A'), think('B', 2, 1), think('C', 6, 2)];
    expect(names(interleave(thinking, text, calls, TEXT))).toEqual([
      'A',
      'text:ab',
      'call1',
      'B',
      'text:cdef',
      'call2',
      'C',
    ]);
  });

  it('never loses a block to a position past the message: what it names is all written first', () => {
    const thinking = [think('A', 99, 0), think('B', 0, 5)];
    expect(names(interleave(thinking, text, calls, TEXT))).toEqual([
      'text:abcdef',
      'A',
      'call1',
      'call2',
      'B',
    ]);
  });
});

describe('placed and positionOf', () => {
  it('leaves a first block as it is, and reads back what it wrote', () => {
    expect(placed({ type: 'thinking' }, 0, 0)).toEqual({ type: 'thinking' });
    const block = placed({ type: 'thinking' }, 3, 1);
    expect(block).toEqual({ type: 'thinking', position: { content: 3, tool_calls: 1 } });
    expect(positionOf(block, 'm')).toEqual({ content: 3, tool_calls: 1 });
    expect(positionOf({}, 'm')).toBeUndefined();
  });

  it('refuses a malformed position, naming it', () => {
    for (const position of [
      1,
      { content: -1, tool_calls: 0 },
      { content: 1 },
      { content: 1.5, tool_calls: 0 },
    ]) {
      expect(() => positionOf({ position }, 'messages[1].thinking_blocks[0]')).toThrow(
        expect.objectContaining({ param: 'messages[1].thinking_blocks[0].position' }),
      );
    }
  });
});

describe('interleave, fuzzed', () => {
  it('never drops, duplicates or reorders a block, whatever the positions (5,000 random messages)', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    for (let round = 0; round < 5_000; round++) {
      let id = 0;
      const content: B[] = Array.from(
        { length: random(4) },
        (): B =>
          random(4) === 0 ? { t: `image${id++}` } : { t: `text${id++}`, text: 'x'.repeat(1 + random(5)) },
      );
      const calls: B[] = Array.from({ length: random(4) }, () => ({ t: `call${id++}` }));
      const thinking = Array.from({ length: random(5) }, () =>
        random(3) === 0 ? think(`think${id++}`) : think(`think${id++}`, random(20), random(6)),
      );
      const out = interleave<B>(thinking, content, calls, TEXT);
      const whole = (blocks: B[]) => blocks.filter((b) => b.text === undefined).map((b) => b.t);
      const of = (prefix: string) => whole(out).filter((t) => t.startsWith(prefix));
      // Each block once, in its own order; the text whole, in order, its images where they were.
      expect(of('call')).toEqual(calls.map((c) => c.t));
      expect(of('think')).toEqual(thinking.map((t) => t.block.t));
      expect(whole(out)).toHaveLength(whole(content).length + calls.length + thinking.length);
      const read = (blocks: B[]) =>
        blocks
          .filter((b) => b.text !== undefined || b.t.startsWith('image'))
          .map((b) => b.text ?? `[${b.t}]`)
          .join('');
      expect(read(out)).toBe(read(content));
      expect(out.every((b) => b.text === undefined || b.text !== '')).toBe(true);
    }
  });
});

describe('textIn', () => {
  it('measures a text field, counts other blocks as nothing, and keeps a cache mark on the second part', () => {
    const text = textIn<Record<string, unknown>>('text');
    expect(text.length({ type: 'image' })).toBe(0);
    const block = { type: 'text', text: 'abcdef', cache_control: { type: 'ephemeral' } };
    expect(text.length(block)).toBe(6);
    expect(text.split(block, 2)).toEqual([
      { type: 'text', text: 'ab' },
      { type: 'text', text: 'cdef', cache_control: { type: 'ephemeral' } },
    ]);
    expect(textIn<Record<string, unknown>>('content').split({ content: 'xyz' }, 1)).toEqual([
      { content: 'x' },
      { content: 'yz' },
    ]);
  });
});
