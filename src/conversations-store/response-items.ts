// A response's turn appended to the conversation its request named (`conversation` on POST
// /v1/responses): the input items its own request sent, then its output items, once it is answered
// (src/responses-store/keeping.ts waits for it as it waits for the stored row). An input item without
// an id gets the one the stored response lists it by (item-ids.ts), so it is the same item in both.
// A write D1 refuses is tried once more, then logged (conversation and response ids, never the items):
// never dropped without a word, and never a failure of the answer it comes after. An input item whose
// own id the conversation took meanwhile (a response racing this one with it; one held before is
// refused before the answer, continuation.ts) goes under its id in the stored response instead, so
// the turn is kept whole.
import { inputItemId } from '../responses-store/item-ids';
import { newItem } from './items';
import { appendItems, logAppendFailure } from './store';

type Json = Record<string, unknown>;

const TRIES = 2;

/** Appends `response`'s turn to conversation `id` of `keyId`; resolves once done or logged, never rejects. */
export async function appendResponse(
  db: D1Database,
  id: string,
  keyId: string,
  input: readonly Json[],
  response: Json,
  now: number,
  days: number,
): Promise<void> {
  const responseId = String(response.id);
  const output = Array.isArray(response.output) ? (response.output as Json[]) : [];
  const turn = (ownIds: boolean) => [
    ...input.map((item, index) => {
      const { id: _own, ...rest } = item;
      const sent = ownIds ? item : rest;
      return newItem(sent, inputItemId(sent, responseId, index));
    }),
    ...output.map((item) => newItem(item)),
  ];
  let last: unknown;
  for (let attempt = 0; attempt < TRIES; attempt++) {
    try {
      let outcome = await appendItems(db, id, keyId, turn(true), now, days);
      if (outcome === 'duplicate') outcome = await appendItems(db, id, keyId, turn(false), now, days);
      // Deleted (or expired) while the response was answered: nothing left to append to.
      if (outcome !== 'appended') logAppendFailure(id, responseId, new Error(`conversation ${outcome}`));
      return;
    } catch (error) {
      last = error;
    }
  }
  logAppendFailure(id, responseId, last);
}
