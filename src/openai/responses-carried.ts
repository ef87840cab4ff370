// The event stream of a /v1/responses request that OpenAI's Responses API served with its hosted
// tools (responses-hosted.ts), out of the chat stream that carried it (carried-events.ts). An error
// event the gateway ends the stream with becomes response.failed, as OpenAI ends a failed response.
import { isRecord } from '../json-record';
import { carriedEvents } from './carried-events';
import { responseErrorCode } from './responses-answer';

type Json = Record<string, unknown>;

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed', 'error']);

export function carriedEventStream(): TransformStream<Uint8Array, Uint8Array> {
  /** The response as the last event that held it had it: what a failure reports. */
  let response: Json | undefined;
  let sequence = -1;
  return carriedEvents({
    terminal: TERMINAL,
    seen(event) {
      if (typeof event.sequence_number === 'number') sequence = event.sequence_number;
      if (isRecord(event.response)) response = event.response;
    },
    /** The gateway's error event as the Responses stream ends a failure (responses-stream.ts does the same). */
    failed(error) {
      const code = responseErrorCode(error);
      const message = typeof error.message === 'string' ? error.message : 'The response failed.';
      const sequence_number = sequence + 1;
      return response
        ? {
            type: 'response.failed',
            sequence_number,
            response: { ...response, status: 'failed', error: { code, message } },
          }
        : { type: 'error', code, message, param: null, sequence_number };
    },
  });
}
