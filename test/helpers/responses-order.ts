// The order OpenAI's Responses streams give their output items in: one at a time, each whole —
// output_item.added, its deltas and done events, output_item.done — before the next is added, at
// the next output_index; the closing response lists them in that order.
import { expect } from 'vitest';
import type { Json } from './gateway';

export function expectItemsInSequence(events: Json[]): void {
  let open: number | undefined;
  const added: string[] = [];
  for (const event of events) {
    if (typeof event.output_index !== 'number') continue;
    const at = `${event.type} (output_index ${event.output_index}, #${event.sequence_number})`;
    if (event.type === 'response.output_item.added') {
      expect(open, `${at} while item ${open} is open`).toBeUndefined();
      expect(event.output_index, at).toBe(added.length);
      added.push(event.item.id);
      open = event.output_index;
      continue;
    }
    expect(event.output_index, `${at} outside its item`).toBe(open);
    if (event.type === 'response.output_item.done') open = undefined;
  }
  expect(open, 'an item left open').toBeUndefined();
  expect(events.at(-1)!.response.output.map((item: Json) => item.id)).toEqual(added);
}
