// The event stream of a /v1/messages request that Anthropic's API served with its server tools
// (messages-native.ts), out of the chat stream that carried it (src/openai/carried-events.ts). An
// error event the gateway ends the stream with becomes Anthropic's `error` event, as
// messages-stream.ts ends a translated stream's failure.
import { carriedEvents } from '../openai/carried-events';
import { streamErrorType } from './messages-answer';

const TERMINAL = new Set(['message_stop', 'error']);

export function carriedMessageStream(): TransformStream<Uint8Array, Uint8Array> {
  return carriedEvents({
    terminal: TERMINAL,
    failed(error) {
      return {
        type: 'error',
        error: {
          type: streamErrorType(error),
          message: typeof error.message === 'string' ? error.message : 'The answer failed.',
        },
      };
    },
  });
}
