// OpenAI chat request → Workers AI model inputs. Pure: refusals are 400s naming the parameter.
// Messages keep OpenAI's shape (the chat models accept it), text-only content is flattened to a
// string for models that take only strings, and image parts are kept for vision models.
// reasoning_effort goes to the gpt-oss models as their own `reasoning_effort` input (low, medium
// or high: workers-ai-effort.ts) and is refused for the others.

import type { ChatMessage, ChatRequest } from '../openai/schemas';
import { NO_EFFECT, OPENAI_ONLY_FEATURES, paramPolicy } from './params';
import { systemText } from './system-text';
import { Unsupported } from './types';
import { workersAIEffort } from './workers-ai-effort';

/** Refused in this order; what is not OpenAI's is forwarded into the model inputs. */
const PARAMS = paramPolicy({
  refusal: (why) => `Workers AI does not support ${why}.`,
  refuse: {
    n: 'n > 1 (several choices per request)',
    logprobs: 'log probabilities',
    top_logprobs: 'log probabilities',
    stop: 'stop sequences',
    tool_choice: {
      why: 'forcing a tool call (use tool_choice "auto")',
      when: (choice) => choice === 'required' || (typeof choice === 'object' && choice !== null),
    },
    parallel_tool_calls: 'disabling parallel tool calls',
    ...OPENAI_ONLY_FEATURES,
  },
  // reasoning_effort: the gpt-oss models' own input (workersAIEffort), refused on other models.
  translate:
    'model messages stream stream_options max_tokens max_completion_tokens temperature top_p seed presence_penalty frequency_penalty tools tool_choice response_format reasoning_effort',
  drop: `user safety_identifier ${NO_EFFECT}`,
});

function textOf(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  return (content ?? []).map((part) => (part.type === 'text' ? part.text : '')).join('');
}

function toMessages(messages: ChatMessage[]): Record<string, unknown>[] {
  return messages.map((message, i) => {
    if (message.role === 'function') {
      throw new Unsupported(
        "The legacy 'function' role is not supported: use tools and 'tool' messages.",
        `messages.${i}.role`,
      );
    }
    switch (message.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: systemText(message.content, `messages.${i}.content`) };
      case 'user': {
        const content = message.content;
        if (typeof content === 'string') return { role: 'user', content };
        const parts = content.map((part, j) => {
          if (part.type === 'text' || part.type === 'image_url') return part;
          throw new Unsupported(
            `Workers AI does not accept '${part.type}' content.`,
            `messages.${i}.content.${j}`,
          );
        });
        // Text-only models take a string; keep arrays for images (vision models read image_url parts).
        return parts.every((p) => p.type === 'text')
          ? { role: 'user', content: textOf(content) }
          : { role: 'user', content: parts };
      }
      case 'assistant':
        return {
          role: 'assistant',
          // A refusal sent back in the history is what the model said, as for the other providers.
          content: textOf(message.content ?? null) || message.refusal || '',
          ...(message.tool_calls?.length ? { tool_calls: message.tool_calls } : {}),
        };
      default: {
        // 'tool': the models take its output as text only, so an image beside it is refused, never left out.
        const content = message.content;
        const j = typeof content === 'string' ? -1 : content.findIndex((part) => part.type !== 'text');
        if (j >= 0) {
          throw new Unsupported(
            `Workers AI takes only text in tool results, not '${(content as { type: string }[])[j]!.type}' content.`,
            `messages.${i}.content.${j}`,
          );
        }
        return { role: 'tool', tool_call_id: message.tool_call_id, content: textOf(content) };
      }
    }
  });
}

export function toWorkersAIInputs(
  sent: ChatRequest,
  defaultMaxTokens?: number,
  model = '',
): Record<string, unknown> {
  const body = PARAMS.refuseUnsupported(sent);
  const effort = workersAIEffort(body, model);
  const inputs: Record<string, unknown> = { messages: toMessages(body.messages) };
  if (effort) inputs.reasoning_effort = effort;
  const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? defaultMaxTokens;
  if (maxTokens) inputs.max_tokens = maxTokens;
  for (const key of ['temperature', 'top_p', 'seed', 'presence_penalty', 'frequency_penalty'] as const) {
    if (body[key] !== undefined && body[key] !== null) inputs[key] = body[key];
  }
  if (body.tools?.length && body.tool_choice !== 'none') inputs.tools = body.tools;
  const format = body.response_format;
  if (format?.type === 'json_object') inputs.response_format = { type: 'json_object' };
  if (format?.type === 'json_schema') {
    inputs.response_format = { type: 'json_schema', json_schema: format.json_schema.schema ?? {} };
  }
  if (body.stream) inputs.stream = true;
  PARAMS.forward(body, inputs); // model-native inputs (top_k, repetition_penalty, lora…): the model validates them
  return inputs;
}
