// Errors about a Responses request's input, named as the client sent it. The input is checked and
// translated once its stored items are resolved (continuation.ts): the previous response's
// conversation goes first, so the client's own item 0 is the resolved input's item N, and an error
// — the gateway's, or OpenAI's about a request sent to it as it is (hosted tools) — would otherwise
// name `input[N]` for an input of one item. An error about an item of the stored conversation
// names `previous_response_id` (or `conversation`), which brought it.
import type { Context } from 'hono';
import type { AppEnv } from '../env';

/** The position of an item of the previous response's conversation (AppEnv's inputPositions). */
export const STORED = -1;

/** What an error says of where the fault is. */
export interface ErrorPlace {
  param: string;
  message: string;
}

const INPUT_ITEM = /^input\[(\d+)\]/;

/** `place` naming the item of the input as the client sent it; as it is when it names none. */
export function ownPlace(c: Context<AppEnv>, place: ErrorPlace): ErrorPlace {
  const positions = c.get('inputPositions');
  const match = positions ? INPUT_ITEM.exec(place.param) : null;
  if (!positions || !match) return place;
  const resolved = match[0];
  const position = positions[Number(match[1])];
  if (position === undefined) return place;
  if (position === STORED)
    return c.get('conversation')
      ? { param: 'conversation', message: `An item of the conversation is refused: ${place.message}` }
      : {
          param: 'previous_response_id',
          message: `An item of the previous response's conversation is refused: ${place.message}`,
        };
  const own = `input[${position}]`;
  return {
    param: `${own}${place.param.slice(resolved.length)}`,
    message: place.message.replaceAll(resolved, own),
  };
}
