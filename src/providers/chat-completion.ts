// OpenAI chat.completion bodies, for adapters that translate a provider's whole answer.
import type { FinishReason } from './openai-stream-writer';
import type { ChatCompletion, Usage } from './types';

/** One choice: the assistant's message (with tool_calls only when it made some) and why it ended. */
export function assistantChoice(
  content: string | null,
  toolCalls: readonly unknown[],
  finish: FinishReason,
  index = 0,
) {
  return {
    index,
    message: {
      role: 'assistant',
      content,
      refusal: null,
      ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    },
    logprobs: null,
    finish_reason: finish,
  };
}

/** The completion around `choices`; usage is left out when the provider reported none. */
export function chatCompletion(
  ids: { id: string; model: string },
  choices: unknown[],
  usage?: Usage,
  created = Math.floor(Date.now() / 1000),
): ChatCompletion {
  return {
    id: ids.id,
    object: 'chat.completion',
    created,
    model: ids.model,
    choices,
    ...(usage ? { usage } : {}),
  };
}
