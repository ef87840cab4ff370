// OpenAI chat request → Workers AI model inputs. Pure: refusals are 400s naming the parameter.
// Messages keep OpenAI's shape (the chat models accept it), text-only content is flattened to a
// string for models that take only strings, and image parts are kept for vision models.
import { invalidRequest } from '../errors';
import type { ChatMessage, ChatRequest } from '../openai/schemas';

/** OpenAI parameters translated below (or refused there when they cannot be honoured). */
const TRANSLATED = new Set(
  'model messages stream stream_options max_tokens max_completion_tokens temperature top_p seed presence_penalty frequency_penalty tools tool_choice response_format n logprobs top_logprobs parallel_tool_calls stop logit_bias modalities audio functions function_call web_search_options reasoning_effort'.split(
    ' ',
  ),
);
/** Set but ignored because they cannot change the answer (listed in the header). */
const DROPPED = new Set(
  'user metadata store service_tier prediction prompt_cache_key prompt_cache_retention safety_identifier verbosity'.split(
    ' ',
  ),
);

function refuseUnsupported(body: ChatRequest): void {
  const refuse = (param: string, why: string): never => {
    throw invalidRequest(`Workers AI does not support ${why}.`, param);
  };
  const r = body as Record<string, unknown>;
  if ((body.n ?? 1) > 1) refuse('n', 'n > 1 (several choices per request)');
  if (body.logprobs) refuse('logprobs', 'log probabilities');
  if (body.top_logprobs) refuse('top_logprobs', 'log probabilities');
  if (body.stop != null && body.stop.length > 0) refuse('stop', 'stop sequences');
  const choice = body.tool_choice;
  if (choice === 'required' || (choice && typeof choice === 'object')) {
    refuse('tool_choice', 'forcing a tool call (use tool_choice "auto")');
  }
  if (body.parallel_tool_calls === false) refuse('parallel_tool_calls', 'disabling parallel tool calls');
  if (r.logit_bias && Object.keys(r.logit_bias).length > 0) refuse('logit_bias', 'logit_bias');
  if (Array.isArray(r.modalities) && r.modalities.some((m) => m !== 'text')) {
    refuse('modalities', 'output modalities other than text');
  }
  if (r.audio != null) refuse('audio', 'audio output');
  if (r.functions != null) refuse('functions', "the deprecated 'functions' (use tools)");
  if (r.function_call != null) refuse('function_call', "the deprecated 'function_call' (use tool_choice)");
  if (r.web_search_options != null) refuse('web_search_options', 'web search');
  if (r.reasoning_effort != null) refuse('reasoning_effort', 'reasoning_effort');
}

function textOf(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  return (content ?? []).map((part) => (part.type === 'text' ? part.text : '')).join('');
}

function toMessages(messages: ChatMessage[]): Record<string, unknown>[] {
  return messages.map((message, i) => {
    if (message.role === 'function') {
      throw invalidRequest(
        "The legacy 'function' role is not supported: use tools and 'tool' messages.",
        `messages.${i}.role`,
      );
    }
    switch (message.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: textOf(message.content) };
      case 'user': {
        const content = message.content;
        if (typeof content === 'string') return { role: 'user', content };
        const parts = content.map((part, j) => {
          if (part.type === 'text' || part.type === 'image_url') return part;
          throw invalidRequest(
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
          content: textOf(message.content ?? null),
          ...(message.tool_calls?.length ? { tool_calls: message.tool_calls } : {}),
        };
      default: // 'tool'
        return { role: 'tool', tool_call_id: message.tool_call_id, content: textOf(message.content) };
    }
  });
}

export function toWorkersAIInputs(body: ChatRequest): Record<string, unknown> {
  refuseUnsupported(body);
  const inputs: Record<string, unknown> = { messages: toMessages(body.messages) };
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
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
  for (const [key, value] of Object.entries(body)) {
    if (value == null || TRANSLATED.has(key) || DROPPED.has(key)) continue;
    if (key in inputs)
      throw invalidRequest(`'${key}' conflicts with a field translated from the request.`, key);
    inputs[key] = value; // model-native input (top_k, repetition_penalty, lora…): the model validates it
  }
  return inputs;
}
