// Whether an answer of POST /v1/responses is stored, and storing it once whole. Stored: `store`
// true or absent (OpenAI's default), on a key that is not zero-retention (such a key's `store: true`
// is refused already; with `store` absent, nothing is kept), the answer `completed` or `incomplete`
// (a continuation from an answer cut at max_output_tokens is how a client asks for the rest) —
// never an error, a `failed` stream, or one the client left before its end. A request with OpenAI's
// hosted tools is not: its answer is OpenAI's own, relayed, and says `store: false`. Nor is any
// when the config's `responses.storeDays` is 0 (a deployment that keeps no conversations). A request
// naming a `conversation` appends its own input items and its output to it on the same terms, in the
// same wait (src/conversations-store/response-items.ts); `storeDays` is not asked again here: the
// conversation keeps its own expiry, and with storeDays 0 naming one is refused before (continuation.ts).
import type { Context } from 'hono';
import type { GatewayConfig } from '../config/schema';
import { appendResponse } from '../conversations-store/response-items';
import type { AppEnv } from '../env';
import { within } from '../isolate/within';
import type { ResponsesRequest } from '../openai/responses-schema';
import { inputItems } from './continuation';
import { storeResponse } from './store';

type Json = Record<string, unknown>;

/**
 * How long an answer waits for its row: a client may continue from it at once, through any isolate
 * (OpenAI's own API reads a response back as soon as it is answered), yet a D1 that hangs must not
 * hold the answer. Past this the answer goes, and the write goes on in waitUntil.
 */
export const STORE_WAIT_MS = 3000;

/** The answered request as its Response echoes it, and what stores that Response once whole. */
export interface Keeping {
  request: ResponsesRequest;
  /**
   * Stores the Response; resolves once it is written (never rejects: a failed write is logged and
   * the answer still goes), or after STORE_WAIT_MS. Absent when nothing is stored: no wait at all.
   */
  done?: (response: Json) => Promise<void>;
}

export function keeping(c: Context<AppEnv>, request: ResponsesRequest, config: GatewayConfig): Keeping {
  const days = config.responses.storeDays;
  const key = c.get('admittedKey');
  const continued = c.get('continued');
  const conversation = c.get('conversation');
  const previousId = continued?.id ?? null;
  const kept = request.store !== false && key !== undefined && !key.zdr;
  const stored = kept && days > 0;
  // A conversation named is extended unless the request said `store: false` (then nothing is kept).
  const extended = kept && conversation !== undefined;
  const echoed = {
    ...request,
    store: stored,
    previous_response_id: previousId,
    conversation: extended ? { id: conversation.id } : null,
  };
  if (!stored && !extended) return { request: echoed };
  // Only the items this request added: what came before is its previous response's rows, or the
  // conversation's items already.
  const input = (inputItems(request.input) ?? []).slice(continued?.items ?? conversation?.items ?? 0);
  return {
    request: echoed,
    done: async (response) => {
      if (response.status !== 'completed' && response.status !== 'incomplete') return;
      const id = String(response.id);
      const now = Date.now();
      const writes: Promise<void>[] = [];
      if (stored) {
        const row = { id, keyId: key.id, teamId: key.teamId, input, response, previousId };
        writes.push(storeResponse(c.env.DB, row, now, days));
      }
      if (extended)
        writes.push(appendResponse(c.env.DB, conversation.id, key.id, input, response, now, days));
      const write = Promise.all(writes);
      // Also past the answer: a client leaving meanwhile, or the wait running out, stops nothing.
      c.executionCtx.waitUntil(write);
      await within(write, STORE_WAIT_MS, () =>
        console.error(`storing response ${id} took over ${STORE_WAIT_MS} ms: answered before it is written`),
      );
    },
  };
}
