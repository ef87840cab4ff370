// `type: "openai"` — OpenAI itself and every OpenAI-compatible service (Groq, Mistral, Together,
// DeepSeek, OpenRouter, Fireworks, xAI, Ollama…). The body is forwarded as the client sent it, with
// only `model` replaced and `stream_options.include_usage` forced on for streams (the gateway needs
// usage for limits and costs; the relay hides the usage chunk from clients that did not ask) —
// except where `streamUsage` is false (Mistral's default: it refuses `stream_options` with a 422
// and puts usage in its last chunk anyway), which sends no `stream_options` at all. Mistral, which
// refuses every field it does not define, gets OpenAI's under its own names (mistral-body.ts). On
// OpenAI's own API, what its newest models refuse is refused before the call (openai-model-rules.ts).
// A tool message's images and files go in a user message after it (tool-media.ts): OpenAI's tool
// messages take only text. Services other than OpenAI get a developer message as system, and a
// system or tool message of text alone as a string (plain-messages.ts): many refuse either.
// OpenRouter's Claude models get an assistant message's thinking blocks as `reasoning_details`
// (reasoning-details.ts). An assistant message's `images` (an image model's answer sent back) go
// only to OpenRouter, whose field it is; every other service gets the message without them.
import { z } from 'zod';
import type { ChatRequest, EmbeddingsRequest } from '../openai/schemas';
import { withoutImages } from './assistant-images';
import { urlUnder } from './base-url';
import { cappedCall } from './cap-refusal';
import { capAsMaxTokens } from './max-tokens';
import { mistralChatBody, mistralEmbeddingsBody } from './mistral-body';
import { inMemoryPromptCache } from './openai-cache-retention';
import { openAIModelBody } from './openai-model-rules';
import {
  hostedResponses,
  responsesApiSchema,
  responsesChat,
  runsHostedTools,
  usesResponses,
} from './openai-responses';
import { plainMessages } from './plain-messages';
import { OPENAI_COMPATIBLE_PRESETS, PRESET_NAMES } from './presets';
import { withReasoningDetails } from './reasoning-details';
import { apiKeyFor, resolveSecret, secretRef } from './secret';
import { StreamRefusals } from './stream-refusal';
import { withoutCallExtras } from './thought-signature';
import { toolMediaAsUser } from './tool-media';
import type {
  ChatCall,
  ChatCompletion,
  ChatResult,
  EmbeddingsResult,
  ProviderAdapter,
  ProviderDeps,
  RawEmbeddings,
} from './types';
import { Unsupported, UpstreamError } from './types';
import { fetchUpstream, streamBody, unexpectedAnswer, upstreamErrorFrom } from './upstream-error';
import { withoutUserinfo } from './url-credentials';

export const openaiProviderSchema = z.strictObject({
  type: z.literal('openai'),
  preset: z.enum(PRESET_NAMES).optional(),
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  apiKey: secretRef.optional(),
  /** Extra headers sent upstream (e.g. OpenRouter's HTTP-Referer, OpenAI-Organization). */
  headers: z.record(z.string(), z.string()).optional(),
  models: z.array(z.string().min(1)).optional(),
  /**
   * Whether streams ask for `stream_options.include_usage`. Default true, except for Mistral,
   * which refuses the field with a 422 and sends usage in its last chunk anyway.
   */
  streamUsage: z.boolean().optional(),
  /**
   * Chat calls through OpenAI's Responses API (openai-responses.ts): true for every model, a list
   * for those, false for none. Unset: OpenAI's Responses-only models (codex, pro…) on its own API.
   */
  responsesApi: responsesApiSchema,
});
export type OpenAIProviderConfig = z.infer<typeof openaiProviderSchema>;

/** Where and how one OpenAI-wire service is called; the body is always OpenAI's own. */
export interface OpenAIWire {
  name: string;
  type: string;
  models: readonly string[];
  /** The URL of an operation (`/chat/completions`, `/embeddings`) for the upstream model. */
  url(path: string, model: string): string;
  /** Request headers; throws a config UpstreamError when a credential is missing. */
  headers(): Record<string, string>;
  /** Streams ask for `stream_options.include_usage` (the default). */
  streamUsage?: boolean;
  /** The chat body as this service takes it, from OpenAI's (Mistral: mistral-body.ts). */
  chatBody?: (body: ChatRequest) => ChatRequest;
  /** The embeddings body likewise. */
  embeddingsBody?: (body: EmbeddingsRequest) => EmbeddingsRequest;
  /**
   * Where the gateway's own output cap goes (ChatCall.capSet): OpenAI's current field, or
   * `max_tokens` (the default), which every OpenAI-compatible service takes.
   */
  capField?: 'max_tokens' | 'max_completion_tokens';
  /** ProviderAdapter.halfPriceFlex. */
  halfPriceFlex?: boolean;
  /**
   * OpenAI's own API, where a model's prompt cache retention defaults by the organisation's data
   * controls: a zero-retention key's request is sent `in_memory` (openai-cache-retention.ts).
   */
  retentionByOrganisation?: boolean;
  /**
   * The service refuses an assistant message's `reasoning_content` (Groq, Cerebras, Mistral: strict
   * about fields they do not define), which DeepSeek-style answers carry and clients send back.
   */
  dropsReasoningContent?: boolean;
  /**
   * The service takes an assistant message's thinking blocks back as its `reasoning_details` for
   * `model` (OpenRouter's Claude models: reasoning-details.ts).
   */
  takesReasoningDetails?: (model: string) => boolean;
  /**
   * The service takes back the images an answer made on its assistant message (`images`:
   * OpenRouter's own field, output-images.ts). Every other one gets the message without them:
   * OpenAI and the strict services refuse a field they do not define, and none reads it.
   */
  takesImages?: boolean;
  /**
   * The service reads a tool call's `extra_content` (Google's OpenAI-compatible API: Gemini's thought
   * signatures, thought-signature.ts). Every other one gets the calls without it.
   */
  takesCallExtras?: boolean;
  /** The Responses API's URL when a chat call for `model` (with `body`) goes there (openai-responses.ts). */
  responsesUrl?: (model: string, body: ChatRequest) => string | undefined;
  /**
   * The service is OpenAI's own API or Azure OpenAI, where a model name means OpenAI's model: the
   * parameters its newest models refuse are refused before the call (openai-model-rules.ts). Other
   * services get the messages as they all take them (plain-messages.ts).
   */
  servesOpenAIModels?: boolean;
  /** The Responses API's URL when it runs OpenAI's hosted tools for `model` (ChatCall.native). */
  hostedUrl?: (model: string) => string | undefined;
}

export function createOpenAICompatible(
  name: string,
  config: OpenAIProviderConfig,
  deps: ProviderDeps,
): ProviderAdapter {
  const { url: baseUrl, authorization: basic } = withoutUserinfo(
    config.baseUrl ?? OPENAI_COMPATIBLE_PRESETS[config.preset ?? 'openai'],
    config.headers,
  );
  const under = urlUnder(baseUrl);
  const apiKey = resolveSecret(config.apiKey, deps.env);
  const mistral = config.preset === 'mistral' || /^https:\/\/([\w-]+\.)*mistral\.ai\//.test(`${baseUrl}/`);
  // DeepSeek and Ollama take only max_tokens, and ignore max_completion_tokens without a word: an
  // OpenAI SDK's cap would go unheeded there (and the answer outrun what its budget reserved).
  const maxTokensOnly = config.preset === 'ollama' || /(^|\.)deepseek\.com$/.test(new URL(baseUrl).hostname);
  const openai = isOpenAI(config);
  // reasoning_details is OpenRouter's own field: OpenAI refuses a message field it does not define,
  // as Groq, Cerebras and Mistral do, and no other preset's service reads it. Only for a model
  // named Claude, whose format the blocks are in (the cache marks' rule, claude-fields.ts): another
  // model behind OpenRouter has reasoning of its own, which a chat client sends back as it got it.
  const openrouter =
    config.preset === 'openrouter' || /(^|\.)openrouter\.ai$/.test(new URL(baseUrl).hostname);
  const strict =
    mistral ||
    config.preset === 'groq' ||
    config.preset === 'cerebras' ||
    /(^|\.)(groq\.com|cerebras\.ai)$/.test(new URL(baseUrl).hostname);
  return openAIWireAdapter(
    {
      name,
      type: 'openai',
      models: config.models ?? [],
      streamUsage: config.streamUsage ?? !mistral,
      // OpenAI's reasoning models refuse max_tokens; other services may not know the newer field.
      capField: openai ? 'max_completion_tokens' : 'max_tokens',
      halfPriceFlex: openai,
      retentionByOrganisation: openai,
      servesOpenAIModels: openai,
      dropsReasoningContent: strict,
      takesCallExtras: /(^|\.)googleapis\.com$/.test(new URL(baseUrl).hostname),
      ...(openrouter
        ? { takesReasoningDetails: (model: string) => /claude/i.test(model), takesImages: true }
        : {}),
      ...(mistral
        ? { chatBody: mistralChatBody, embeddingsBody: mistralEmbeddingsBody }
        : maxTokensOnly
          ? { chatBody: capAsMaxTokens }
          : {}),
      url: (path) => under(path),
      responsesUrl: (model, body) =>
        usesResponses(config.responsesApi, model, openai, body) ? under('/responses') : undefined,
      hostedUrl: (model) =>
        runsHostedTools(config.responsesApi, model, openai) ? under('/responses') : undefined,
      headers: () => {
        const key = apiKeyFor(name, apiKey);
        // A config written now sets at most one (authorizationIssue); one stored before: the key wins.
        const authorization = key ? `Bearer ${key}` : basic;
        return {
          ...config.headers,
          'content-type': 'application/json',
          ...(authorization ? { authorization } : {}),
        };
      },
    },
    deps.fetch,
  );
}

/** OpenAI itself: its preset (the default) without another URL, or an API host of its own (eu.api…). */
function isOpenAI(config: OpenAIProviderConfig): boolean {
  if (!config.baseUrl) return (config.preset ?? 'openai') === 'openai';
  return /(^|\.)api\.openai\.com$/.test(new URL(config.baseUrl).hostname);
}

/** An adapter for any service that speaks OpenAI's wire format, aimed by `wire`. */
export function openAIWireAdapter(wire: OpenAIWire, doFetch: typeof fetch): ProviderAdapter {
  const { name } = wire;
  /** A POST of `body` as JSON to `url`, with the provider's headers. */
  const postTo = (url: string) => (body: unknown, signal: AbortSignal) =>
    fetchUpstream(doFetch, name, url, {
      method: 'POST',
      headers: wire.headers(),
      body: JSON.stringify(body),
      signal,
    });
  const post = (path: string, model: string, body: unknown, signal: AbortSignal) =>
    postTo(wire.url(path, model))(body, signal);
  const refusals = new StreamRefusals();
  /** A zero-retention key's call, its prompt cache kept in memory where that is not the default. */
  const keptInMemory = (call: ChatCall): ChatCall => {
    if (!wire.retentionByOrganisation || !call.zeroRetention) return call;
    const body = inMemoryPromptCache(call.body, call.model);
    const native = call.native && { ...call.native, body: inMemoryPromptCache(call.native.body, call.model) };
    return { ...call, body, ...(native ? { native } : {}) };
  };

  const chat = async (asked: ChatCall): Promise<ChatResult> => {
    const checked = wire.servesOpenAIModels ? openAIModelBody(asked.model, asked.body) : asked.body;
    const call = keptInMemory(checked === asked.body ? asked : { ...asked, body: checked });
    const { body, model, signal, capSet } = call;
    if (call.native) {
      const hosted = call.native.api === 'responses' ? wire.hostedUrl?.(model) : undefined;
      if (hosted === undefined)
        throw new Unsupported(`${name} does not serve this request as written for ${model}.`, 'tools');
      return hostedResponses(name, call, call.native.body, postTo(hosted));
    }
    const responses = wire.responsesUrl?.(model, body);
    if (responses !== undefined) return responsesChat(name, call, postTo(responses), refusals);
    const refused = refusals.unstreamedIfRefused(call, chat);
    if (refused) return refused;
    const capped = capSet && wire.capField !== 'max_completion_tokens' ? capAsMaxTokens(body) : body;
    const sent = wire.chatBody ? wire.chatBody(capped) : capped;
    const imaged = wire.takesImages ? body.messages : withoutImages(body.messages);
    const media = toolMediaAsUser(wire.takesCallExtras ? imaged : withoutCallExtras(imaged));
    const messages = wire.takesReasoningDetails?.(model) ? withReasoningDetails(media) : media;
    const upstreamBody: ChatRequest = {
      ...sent,
      model,
      messages: withoutThinkingBlocks(
        wire.servesOpenAIModels ? messages : plainMessages(messages),
        wire.dropsReasoningContent === true,
      ),
    };
    if (body.stream && wire.streamUsage !== false) {
      upstreamBody.stream_options = { ...body.stream_options, include_usage: true };
    } else if (wire.streamUsage === false) {
      upstreamBody.stream_options = undefined; // refused there; a client's include_usage still holds here
    }
    const response = await post('/chat/completions', model, upstreamBody, signal);
    if (!response.ok) {
      const error = await upstreamErrorFrom(name, response);
      const capped = cappedCall(call, error);
      return capped ? chat(capped) : refusals.unstreamedOnRefusal(call, error, chat);
    }
    if (body.stream) return { kind: 'stream', body: await streamBody(name, response) };
    const raw = await response.text();
    return { kind: 'json', body: parseCompletion(name, raw), raw };
  };

  return {
    name,
    type: wire.type,
    models: wire.models,
    ...(wire.halfPriceFlex ? { halfPriceFlex: true } : {}),
    servesNative: (api, model) => api === 'responses' && wire.hostedUrl?.(model) !== undefined,
    chat,

    async embeddings({ body, model, signal }) {
      const sent = wire.embeddingsBody ? wire.embeddingsBody(body) : body;
      const response = await post('/embeddings', model, { ...sent, model }, signal);
      if (!response.ok) throw await upstreamErrorFrom(name, response);
      const raw = await response.text();
      if (raw.length > PARSE_LIMIT) return rawEmbeddings(name, raw);
      return parseJson<EmbeddingsResult>(name, raw, (v) => Array.isArray(v.data));
    },
  };
}

/**
 * Above this, an embeddings answer is relayed unparsed: parsed, its numbers and then their JSON
 * again would take several times its size, past a Worker's 128 MB for the largest answers.
 */
export const PARSE_LIMIT = 4 * 1024 * 1024;
/** usage comes last in OpenAI's embeddings answer: `"usage": {"prompt_tokens": 8, "total_tokens": 8}}`. */
const TAIL_USAGE = /"usage"\s*:\s*\{[^{}]*?"prompt_tokens"\s*:\s*(\d+)[^{}]*\}\s*\}\s*$/;
/** Or the answer ends with its model or `"object": "list"` (an answer whose usage came first). */
const TAIL_FIELD = /"(?:model"\s*:\s*"[^"]*"|object"\s*:\s*"list")\s*\}\s*$/;

function rawEmbeddings(provider: string, raw: string): RawEmbeddings | EmbeddingsResult {
  // Checked without parsing, on the ends only: an object whose data list comes first, and whose
  // last field closes it (a body cut short, even right after a vector, ends otherwise).
  const head = raw.slice(0, 200);
  const tail = raw.slice(-500);
  if (!/^\s*\{/.test(head) || !/"data"\s*:\s*\[|"object"\s*:\s*"list"/.test(head))
    throw unexpectedAnswer(provider);
  const tokens = TAIL_USAGE.exec(tail)?.[1];
  if (tokens !== undefined) {
    return { raw, usage: { prompt_tokens: Number(tokens), total_tokens: Number(tokens) } };
  }
  if (TAIL_FIELD.test(tail)) return { raw };
  // A layout this does not know: parsed after all, so that nothing unchecked is relayed.
  return parseJson<EmbeddingsResult>(provider, raw, (v) => Array.isArray(v.data));
}

/**
 * `thinking_blocks` is the gateway's own field (an Anthropic answer's signed reasoning, for the
 * client to send back), and `reasoning_content` beside it the gateway's copy of its text: other
 * services do not know them, and strict ones (Groq, Cerebras, Mistral) refuse them — those lose a
 * `reasoning_content` without thinking blocks too (`dropReasoning`: DeepSeek's reasoning, which a
 * route may carry to them after DeepSeek answered).
 */
function withoutThinkingBlocks(
  messages: ChatRequest['messages'],
  dropReasoning: boolean,
): ChatRequest['messages'] {
  const carries = (message: object) =>
    'thinking_blocks' in message || (dropReasoning && 'reasoning_content' in message);
  if (!messages.some(carries)) return messages;
  return messages.map((message) => {
    if (!carries(message)) return message;
    const {
      thinking_blocks: _,
      reasoning_content: __,
      ...rest
    } = message as typeof message & {
      thinking_blocks?: unknown;
      reasoning_content?: unknown;
    };
    return rest as typeof message;
  });
}

function parseCompletion(provider: string, raw: string): ChatCompletion {
  return parseJson<ChatCompletion>(provider, raw, (v) => Array.isArray(v.choices));
}

function parseJson<T>(
  provider: string,
  raw: string,
  looksRight: (value: Record<string, unknown>) => boolean,
): T {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new UpstreamError('server', 200, `${provider} answered with invalid JSON.`);
  }
  if (typeof value !== 'object' || value === null || !looksRight(value as Record<string, unknown>)) {
    throw unexpectedAnswer(provider);
  }
  return value as T;
}
