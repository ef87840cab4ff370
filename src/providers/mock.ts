// `type: "mock"` — a deterministic, network-free provider for local development and tests.
// Chat answers by quoting the last user message (one token per word, honouring max_tokens, n,
// forced tool calls and JSON mode — mock-json.ts; logprobs and custom tools are refused); embeddings hash words into a fixed-size vector, so the cosine similarity of
// two texts follows the words they share; images are a 1×1 PNG (mock-images.ts). A forced call (tool_choice `required` or a named function)
// gets arguments that fit the tool's parameters schema (mock-json.ts).
import * as z from 'zod';
import { invalidRequest } from '../errors';
import { isRecord } from '../json-record';
import { estimateInputTokens } from '../limits/estimate';
import type { ChatMessage, FunctionTool } from '../openai/schemas';
import { SSE_DONE, sseData, sseStream } from '../openai/sse';
import { assistantChoice, chatCompletion } from './chat-completion';
import { embeddingList, normalise } from './embeddings';
import { type FunctionToolsRequest, functionToolsOnly } from './function-tools';
import { mockImages } from './mock-images';
import { mockJson, mockValue } from './mock-json';
import type { ChatCompletion, ProviderAdapter, Usage } from './types';

export const mockProviderSchema = z.strictObject({
  type: z.literal('mock'),
  /** Delay before the answer (and between streamed chunks), to simulate a real provider. */
  latencyMs: z.number().int().min(0).max(60_000).optional(),
  models: z.array(z.string().min(1)).optional(),
});
export type MockProviderConfig = z.infer<typeof mockProviderSchema>;

const EMBEDDING_DIMENSIONS = 256;

export function createMock(name: string, config: MockProviderConfig): ProviderAdapter {
  const latency = config.latencyMs ?? 0;
  const sleep = () =>
    latency > 0 ? new Promise((resolve) => setTimeout(resolve, latency)) : Promise.resolve();
  return {
    name,
    type: 'mock',
    models: config.models ?? ['mock-1'],

    async chat({ body, model, requestId }) {
      // Nothing to show for them: a 400 rather than an answer without what was asked.
      if (body.logprobs === true || (body.top_logprobs ?? 0) > 0)
        throw invalidRequest(
          'The mock provider does not return logprobs.',
          body.logprobs ? 'logprobs' : 'top_logprobs',
        );
      const request = functionToolsOnly(body, (why) => `The mock provider does not support ${why}.`);
      namedTool(request);
      await sleep();
      const answer = buildAnswer(request, model, requestId);
      if (!body.stream) return { kind: 'json', body: answer.completion };
      return { kind: 'stream', body: sseStream(answer.frames, latency) };
    },

    async embeddings({ body, model }) {
      await sleep();
      // As OpenAI reads `input`: a string, a list of strings or of token arrays, or one token array.
      const input = body.input;
      const inputs =
        typeof input === 'string' || (Array.isArray(input) && input.every((item) => typeof item === 'number'))
          ? [input]
          : input;
      const dimensions = Math.min(body.dimensions ?? EMBEDDING_DIMENSIONS, 4096);
      const texts = inputs.map((input) =>
        typeof input === 'string' ? input : Array.isArray(input) ? input.join(' ') : String(input),
      );
      const tokens = texts.reduce((sum, text) => sum + Math.max(1, words(text).length), 0);
      const vectors = texts.map((text) => embedText(text, dimensions));
      return embeddingList(vectors, body.encoding_format, model, tokens);
    },

    async images({ body }) {
      await sleep();
      return mockImages(body, Date.now());
    },
  };
}

function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

function textOf(message: ChatMessage | undefined): string {
  if (!message) return '';
  const content = message.content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (part.type === 'text' ? part.text : `[${part.type}]`)).join(' ');
}

interface Answer {
  completion: ChatCompletion;
  frames: string[];
}

// The reply quotes at most this much of the prompt, like a real model's bounded output: quoting a
// multi-megabyte prompt word by word, n times, exhausted the isolate's memory (found by test/fuzz).
const MAX_QUOTE_CHARS = 1024;

function buildAnswer(body: FunctionToolsRequest, model: string, requestId: string): Answer {
  const lastUser = [...body.messages].reverse().find((m) => m.role === 'user');
  const prompt = textOf(lastUser);
  const quote = prompt.slice(0, MAX_QUOTE_CHARS);
  const reply = `Mock reply to: ${quote}`;
  // In JSON mode the reply is JSON (the words of its text, one token each, as for plain text).
  const replyWords = (mockJson(body.response_format, reply) ?? reply).split(/\s+/).filter(Boolean);
  const limit = body.max_completion_tokens ?? body.max_tokens ?? Number.POSITIVE_INFINITY;
  const truncated = replyWords.length > limit || quote.length < prompt.length;
  const content = replyWords.slice(0, limit).join(' ');
  const tool = forcedTool(body);
  const n = body.n ?? 1;
  const id = `chatcmpl-mock-${requestId}`;
  const created = Math.floor(Date.now() / 1000);

  const completionTokens = (tool ? 8 : Math.min(replyWords.length, limit)) * n;
  const promptTokens = estimateInputTokens(body);
  const usage: Usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
  const finish = tool ? 'tool_calls' : truncated ? 'length' : 'stop';
  const args = tool ? toolArguments(tool, quote) : '';
  // One id per call: with n > 1 each choice's call is its own (clients key tool results by id).
  const toolCall = (index: number) =>
    tool
      ? {
          id: `call_mock_${requestId.slice(0, 16)}_${index}`,
          type: 'function' as const,
          function: { name: tool.function.name, arguments: args },
        }
      : undefined;

  const choices = Array.from({ length: n }, (_, index) => {
    const call = toolCall(index);
    return assistantChoice(call ? null : content, call ? [call] : [], finish, index);
  });
  const completion = chatCompletion({ id, model }, choices, usage, created);

  const chunk = (choice: Record<string, unknown>) => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    choices: [{ logprobs: null, finish_reason: null, ...choice }],
  });
  const frames: string[] = [];
  for (let index = 0; index < n; index++) {
    const call = toolCall(index);
    frames.push(
      sseData(chunk({ index, delta: { role: 'assistant', content: call ? null : '', refusal: null } })),
    );
    if (call) {
      frames.push(sseData(chunk({ index, delta: { tool_calls: [{ index: 0, ...call }] } })));
    } else {
      content.split(' ').forEach((word, i) => {
        frames.push(sseData(chunk({ index, delta: { content: i === 0 ? word : ` ${word}` } })));
      });
    }
    frames.push(sseData(chunk({ index, delta: {}, finish_reason: finish })));
  }
  frames.push(
    sseData({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [],
      usage,
    }),
  );
  frames.push(SSE_DONE);
  return { completion, frames };
}

/** As OpenAI answers it: a tool_choice naming a function that is not in `tools` is a 400. */
function namedTool(body: FunctionToolsRequest): void {
  const choice = body.tool_choice;
  if (!choice || typeof choice !== 'object') return;
  const name = choice.function.name;
  if (!body.tools?.some((tool) => tool.function.name === name))
    throw invalidRequest(`tool_choice names the function '${name}', which is not in tools.`, 'tool_choice');
}

/**
 * The tool a forced tool_choice calls, on every turn, a tool result last or not: as OpenAI does,
 * and as the AI SDK checks (a forced step answered without the call throws its
 * ToolChoiceViolationError). Under `auto` the mock answers with text, so an agent loop ends.
 */
function forcedTool(body: FunctionToolsRequest): FunctionTool | undefined {
  if (!body.tools?.length) return undefined;
  const choice = body.tool_choice;
  if (choice && typeof choice === 'object')
    return body.tools.find((tool) => tool.function.name === choice.function.name);
  if (choice === 'required') return body.tools[0];
  return undefined;
}

/**
 * The call's arguments: a value the tool's parameters schema accepts, strings quoting the prompt
 * (so the same request gets the same arguments). A tool without parameters takes none; one whose
 * schema only says it takes an object gets the prompt as `input`, something to look at (and for
 * output guardrails to scan).
 */
function toolArguments(tool: FunctionTool, quote: string): string {
  const parameters = tool.function.parameters;
  if (!parameters) return '{}';
  const open = parameters.type === 'object' && Object.keys(parameters).every((key) => LOOSE.has(key));
  if (open) return JSON.stringify({ input: quote });
  const value = mockValue(parameters, quote);
  // Arguments are a JSON object (the gateway refuses any other in a history sent back).
  return JSON.stringify(isRecord(value) ? value : {});
}
const LOOSE = new Set(['type', 'title', 'description', '$schema', '$id']);

/** Feature hashing (FNV-1a) of the words of `text`, L2-normalised. */
export function embedText(text: string, dimensions = EMBEDDING_DIMENSIONS): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const tokens = words(text);
  if (tokens.length === 0) vector[0] = 1;
  for (const token of tokens) {
    let hash = 0x811c9dc5;
    for (let i = 0; i < token.length; i++) {
      hash ^= token.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    vector[hash % dimensions]! += 1;
  }
  return normalise(vector);
}
