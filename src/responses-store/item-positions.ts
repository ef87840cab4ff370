// Errors about a Responses request's input, named as the client sent it. The input is checked and
// translated once its stored items are resolved (continuation.ts): the previous response's
// conversation goes first, so the client's own item 0 is the resolved input's item N, and an error
// would otherwise name `input[N]` for an input of one item. An error about an item of the stored
// conversation names `previous_response_id`, which brought it.
import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { GatewayError } from '../errors';

/** The position of an item of the previous response's conversation (AppEnv's inputPositions). */
export const STORED = -1;

const INPUT_ITEM = /^input\[(\d+)\]/;

/** `error` naming the item of the input as the client sent it; any other error as it is. */
export function positionedError(c: Context<AppEnv>, error: unknown): unknown {
  const positions = c.get('inputPositions');
  if (!positions || !(error instanceof GatewayError) || error.param === null) return error;
  const match = INPUT_ITEM.exec(error.param);
  if (!match) return error;
  const resolved = match[0];
  const position = positions[Number(match[1])];
  if (position === undefined) return error;
  if (position === STORED)
    return new GatewayError(
      error.status,
      error.type,
      error.code,
      `An item of the previous response's conversation is refused: ${error.message}`,
      'previous_response_id',
      error.headers,
    );
  const own = `input[${position}]`;
  return new GatewayError(
    error.status,
    error.type,
    error.code,
    error.message.replaceAll(resolved, own),
    `${own}${error.param.slice(resolved.length)}`,
    error.headers,
  );
}
