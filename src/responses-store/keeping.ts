// Whether an answer of POST /v1/responses is stored, and storing it once whole. Stored: `store`
// true or absent (OpenAI's default), on a key that is not zero-retention (such a key's `store: true`
// is refused already; with `store` absent, nothing is kept), the answer `completed` or `incomplete`
// (a continuation from an answer cut at max_output_tokens is how a client asks for the rest) —
// never an error, a `failed` stream, or one the client left before its end. A request with OpenAI's
// hosted tools is not: its answer is OpenAI's own, relayed, and says `store: false`. Nor is any
// when the config's `responses.storeDays` is 0 (a deployment that keeps no conversations).
import type { Context } from 'hono';
import type { GatewayConfig } from '../config/schema';
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
  const previousId = continued?.id ?? null;
  const stored = request.store !== false && key !== undefined && !key.zdr && days > 0;
  const echoed = { ...request, store: stored, previous_response_id: previousId };
  if (!stored) return { request: echoed };
  // Only the items this request added: the conversation before them is its previous response's rows.
  const input = (inputItems(request.input) ?? []).slice(continued?.items ?? 0);
  return {
    request: echoed,
    done: async (response) => {
      if (response.status !== 'completed' && response.status !== 'incomplete') return;
      const row = { id: String(response.id), keyId: key.id, teamId: key.teamId, input, response, previousId };
      const write = storeResponse(c.env.DB, row, Date.now(), days);
      // Also past the answer: a client leaving meanwhile, or the wait running out, stops nothing.
      c.executionCtx.waitUntil(write);
      await within(write, STORE_WAIT_MS, () =>
        console.error(
          `storing response ${row.id} took over ${STORE_WAIT_MS} ms: answered before it is written`,
        ),
      );
    },
  };
}
