// An adapter for any service that speaks OpenAI's wire format (OpenAI-compatible services:
// openai-compatible.ts; Azure OpenAI: azure-openai.ts), told by an OpenAIWire where and how to call
// it: chat through chat completions, or OpenAI's Responses API where a model needs it
// (openai-responses.ts), embeddings, and image generation (the body as sent, `model` replaced).
import type { ChatRequest, EmbeddingsRequest } from '../openai/schemas';
import { cappedCall } from './cap-refusal';
import { imagesAnswer } from './images';
import { capAsMaxTokens } from './max-tokens';
import { inMemoryPromptCache } from './openai-cache-retention';
import { openAIModelBody } from './openai-model-rules';
import { hostedResponses, responsesChat } from './openai-responses';
import { embeddingsAnswer, parseCompletion } from './openai-wire-answer';
import { wireMessages } from './openai-wire-messages';
import { StreamRefusals } from './stream-refusal';
import type { ChatCall, ChatResult, ProviderAdapter } from './types';
import { Unsupported } from './types';
import { fetchUpstream, streamBody, upstreamErrorFrom } from './upstream-error';

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
   * OpenAI's own chat completions (and Azure OpenAI's): the function tools a Responses request left
   * without `strict`, which OpenAI's Responses API would make strict, are sent `strict: true`
   * (ChatCall.strictTools). Other services get the tools as the client wrote them.
   */
  infersStrict?: boolean;
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
    const upstreamBody: ChatRequest = { ...sent, model, messages: wireMessages(wire, model, body.messages) };
    if (wire.infersStrict && call.strictTools?.length)
      upstreamBody.tools = strictened(sent.tools, call.strictTools);
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
      return embeddingsAnswer(name, await response.text());
    },

    async images({ body, model, signal }) {
      const response = await post('/images/generations', model, { ...body, model }, signal);
      if (!response.ok) throw await upstreamErrorFrom(name, response);
      return imagesAnswer(name, await response.text());
    },
  };
}

/** `tools` with each function named in `names` that sets no `strict` made strict. */
function strictened(tools: ChatRequest['tools'], names: readonly string[]): ChatRequest['tools'] {
  return tools?.map((tool) => {
    if (tool.type !== 'function' || tool.function.strict != null || !names.includes(tool.function.name))
      return tool;
    return { ...tool, function: { ...tool.function, strict: true } };
  });
}
