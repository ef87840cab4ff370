// What an adapter's chat call gave, unwrapped for a test: the completion (checked against
// OpenAI's schema), the streamed text, or the error it was refused with.
import type { ChatCompletion, ChatResult } from '../../src/providers/types';
import { expectOpenAIShape } from './openapi';

/** The JSON answer, which must match OpenAI's CreateChatCompletionResponse. */
export async function completion(promise: Promise<ChatResult>): Promise<ChatCompletion> {
  const result = await promise;
  if (result.kind !== 'json') throw new Error('expected JSON');
  expectOpenAIShape('CreateChatCompletionResponse', result.body);
  return result.body;
}

/** The streamed answer's whole text. */
export async function streamed(promise: Promise<ChatResult>): Promise<string> {
  const result = await promise;
  if (result.kind !== 'stream') throw new Error('expected a stream');
  return new Response(result.body).text();
}

/** What `promise` was rejected with; fails the test if it resolved. */
export async function rejection<E = unknown>(promise: Promise<unknown>): Promise<E> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as E,
  );
}
