// The last message of a request, for the adapters that leave empty messages out: left out, an
// empty last user message would make the answer before it a prefill for the model to continue.
import { invalidRequest } from '../errors';
import type { ChatMessage } from '../openai/schemas';

/** The index of the last message that is a turn (not system or developer); -1 when there is none. */
export function lastTurnIndex(messages: ChatMessage[]): number {
  return messages.findLastIndex((message) => message.role !== 'system' && message.role !== 'developer');
}

/** The 400 for a last user message with nothing `provider` can take. */
export const emptyLastMessage = (provider: string, param: string) =>
  invalidRequest(`The last message has no content: ${provider} needs text to answer.`, param);
