// OpenAI chat request → Cohere Chat v2 body. Pure: refusals are 400s naming the parameter.
// Roles line up with OpenAI's; the differences are tool_plan (Cohere's text before tool calls,
// which is what OpenAI clients send back as assistant content beside tool_calls), tool_choice
// (only REQUIRED/NONE: a named function becomes REQUIRED with only that tool offered), and names:
// top_p → p, stop → stop_sequences, a schema'd response_format → json_object + json_schema,
// reasoning_effort → `thinking` on Command A Reasoning (refused on models that cannot think).
import { invalidRequest } from '../errors';
import type { ChatMessage, ChatRequest, ContentPart } from '../openai/schemas';
import { cohereThinking } from './cohere-thinking';
import type { FunctionToolsMessage, FunctionToolsRequest } from './function-tools';
import { NO_EFFECT, OPENAI_ONLY_FEATURES, paramPolicy } from './params';
import { systemText } from './system-text';
import { Unsupported } from './types';

/** Refused in this order; what is not OpenAI's is forwarded into the Cohere body. */
const PARAMS = paramPolicy({
  refusal: (why) => `Cohere does not support ${why}.`,
  refuse: {
    n: 'n > 1 (several choices per request)',
    logprobs: 'relaying log probabilities',
    top_logprobs: 'relaying log probabilities',
    parallel_tool_calls: 'disabling parallel tool calls',
    ...OPENAI_ONLY_FEATURES,
    // Cohere's penalties run from 0 to 1, OpenAI's from -2 to 2.
    presence_penalty: { why: 'presence_penalty outside 0–1', when: outsideUnit },
    frequency_penalty: { why: 'frequency_penalty outside 0–1', when: outsideUnit },
  },
  // reasoning_effort: Command A Reasoning's `thinking` (cohereThinking), refused on other models.
  translate:
    'model messages stream stream_options max_tokens max_completion_tokens temperature top_p stop seed presence_penalty frequency_penalty tools tool_choice response_format reasoning_effort',
  drop: `user safety_identifier ${NO_EFFECT}`,
});

function outsideUnit(value: unknown): boolean {
  return typeof value === 'number' && (value < 0 || value > 1);
}

function textOf(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  return (content ?? []).map((part) => (part.type === 'text' ? part.text : '')).join('');
}

function userContent(content: string | ContentPart[], i: number): unknown {
  if (typeof content === 'string') return content;
  if (content.every((part) => part.type === 'text')) return textOf(content);
  return content.map((part, j) => {
    if (part.type === 'text') return { type: 'text', text: part.text };
    if (part.type === 'image_url') return { type: 'image_url', image_url: part.image_url };
    throw new Unsupported(`Cohere does not accept '${part.type}' content.`, `messages.${i}.content.${j}`);
  });
}

/** A tool's output: Cohere takes only text there, so an image beside it is refused, never left out. */
function toolText(content: string | ContentPart[], i: number): string {
  if (typeof content !== 'string') {
    const j = content.findIndex((part) => part.type !== 'text');
    if (j >= 0) {
      throw new Unsupported(
        `Cohere takes only text in tool results, not '${content[j]!.type}' content.`,
        `messages.${i}.content.${j}`,
      );
    }
  }
  return textOf(content);
}

function toMessage(message: FunctionToolsMessage, i: number): Record<string, unknown> {
  switch (message.role) {
    case 'system':
    case 'developer':
      return { role: 'system', content: systemText(message.content, `messages.${i}.content`) };
    case 'user':
      return { role: 'user', content: userContent(message.content, i) };
    case 'assistant': {
      const text = textOf(message.content ?? null) || message.refusal || '';
      const calls = message.tool_calls ?? [];
      if (calls.length === 0) return { role: 'assistant', content: text };
      return {
        role: 'assistant',
        ...(text ? { tool_plan: text } : {}),
        tool_calls: calls.map((call) => ({
          id: call.id,
          type: 'function',
          function: { name: call.function.name, arguments: call.function.arguments },
        })),
      };
    }
    case 'tool':
      return { role: 'tool', tool_call_id: message.tool_call_id, content: toolText(message.content, i) };
    default:
      throw new Unsupported(
        "The legacy 'function' role is not supported: use tools and 'tool' messages.",
        `messages.${i}.role`,
      );
  }
}

function toolFields(body: FunctionToolsRequest): Record<string, unknown> {
  const choice = body.tool_choice;
  let tools = body.tools ?? [];
  if (tools.length === 0) {
    if (choice && choice !== 'none' && choice !== 'auto') {
      throw invalidRequest('tool_choice needs tools.', 'tool_choice');
    }
    return {};
  }
  if (choice && typeof choice === 'object') {
    tools = tools.filter((tool) => tool.function.name === choice.function.name);
    if (tools.length === 0) {
      throw invalidRequest(
        `tool_choice names '${choice.function.name}', which is not in tools.`,
        'tool_choice',
      );
    }
  }
  return {
    tools: tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.function.name,
        ...(tool.function.description ? { description: tool.function.description } : {}),
        parameters: tool.function.parameters ?? { type: 'object', properties: {} },
      },
    })),
    // Cohere's strictness is per request: asked of any tool, it applies to all.
    ...(tools.some((tool) => tool.function.strict) ? { strict_tools: true } : {}),
    ...(choice === 'none' ? { tool_choice: 'NONE' } : {}),
    ...(choice === 'required' || typeof choice === 'object' ? { tool_choice: 'REQUIRED' } : {}),
  };
}

function responseFormat(body: ChatRequest): Record<string, unknown> | undefined {
  const format = body.response_format;
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_object') return { type: 'json_object' };
  const schema = format.json_schema.schema;
  return { type: 'json_object', ...(schema ? { json_schema: schema } : {}) };
}

export function toCohereRequest(sent: ChatRequest, model: string): Record<string, unknown> {
  const body = PARAMS.refuseUnsupported(sent);
  // reasoning_effort as `thinking`, unless the client sent its own (forwarded below as it is).
  const thinking = cohereThinking(body, model, sent as Record<string, unknown>);
  const stop = typeof body.stop === 'string' ? [body.stop] : body.stop;
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  const format = responseFormat(body);
  const request: Record<string, unknown> = {
    model,
    messages: body.messages.map(toMessage),
    ...toolFields(body),
    ...(format ? { response_format: format } : {}),
    ...(maxTokens ? { max_tokens: maxTokens } : {}),
    ...(stop?.length ? { stop_sequences: stop } : {}),
    ...(body.stream ? { stream: true } : {}),
    ...(thinking ? { thinking } : {}),
  };
  // Cohere's p runs from 0.01 to 0.99: OpenAI's common default top_p 1 means "no cut" there too.
  if (body.top_p != null) request.p = Math.min(0.99, Math.max(0.01, body.top_p));
  const copies = [
    ['temperature', 'temperature'],
    ['seed', 'seed'],
    ['presence_penalty', 'presence_penalty'],
    ['frequency_penalty', 'frequency_penalty'],
  ] as const;
  for (const [from, to] of copies) {
    if (body[from] !== undefined && body[from] !== null) request[to] = body[from];
  }
  PARAMS.forward(body, request); // Cohere-native parameters (k, documents, thinking…): Cohere validates them
  return request;
}
