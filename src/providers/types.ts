// The one interface every provider adapter implements, and the failure type they throw.

import type { Env } from '../env';
import { GatewayError } from '../errors';
import type { ImagesRequest } from '../openai/images-request';
import type { ChatRequest, EmbeddingsRequest } from '../openai/schemas';
import type { ToolUses } from '../pricing/tool-fees';

/** Token counts as OpenAI reports them; cache fields are kept separately for costing. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: {
    cached_tokens?: number;
    cache_creation_tokens?: number;
    /** OpenAI's name for its cache writes (chat completions; the Responses API's input_tokens_details). */
    cache_write_tokens?: number;
    /** Of cache_creation_tokens, those written for an hour (Anthropic), at a dearer rate. */
    cache_creation_1h_tokens?: number;
    /** Of prompt_tokens, those of audio (OpenAI's audio models), where a price sets them apart. */
    audio_tokens?: number;
  };
  /**
   * Of completion_tokens, those spent thinking (OpenAI's place for them), those of audio, and those
   * of images (an answer with a generated image, where a price sets them apart: bedrock-response.ts).
   */
  completion_tokens_details?: { reasoning_tokens?: number; audio_tokens?: number; image_tokens?: number };
  /**
   * The gateway's own field, never a provider's: the uses of a provider's own tools (OpenAI's web
   * searches, file searches, containers; Anthropic's web searches) that the answer was billed for
   * apart from its tokens, by fee (pricing/tool-fees.ts).
   */
  hosted_tools?: ToolUses;
}

/** An API whose requests a provider may serve as written (ChatCall.native). */
export type NativeApi = 'responses' | 'messages';

export interface ChatCall {
  /** The client's validated body; unknown parameters are still in it and must be forwarded or rejected. */
  body: ChatRequest;
  /** The upstream model name the route resolved (not the client's alias). */
  model: string;
  signal: AbortSignal;
  requestId: string;
  /**
   * The body's `max_completion_tokens` is the gateway's cap (`limits.enforceMaxTokens`), not the
   * client's: a service that takes only `max_tokens` gets it there.
   */
  capSet?: boolean;
  /**
   * The body's cap was lowered once already for a refusal of it (cap-refusal.ts): another refusal
   * is the answer, so that an attempt makes at most one more call for its cap.
   */
  capLowered?: boolean;
  /** Anthropic betas the request's `anthropic-beta` header asks for (anthropic-beta.ts); others ignore them. */
  betas?: readonly string[];
  /**
   * Stream each signed thinking block as soon as the provider completed it (a `thinking_blocks`
   * delta of its own), not all in one delta before the finish (the chat stream's contract, which
   * the OpenAI SDK's stream helper needs: it keeps a field's last value). The Messages API asks for
   * it: Anthropic's event stream ends each block, signed, before the next starts, and clients (the
   * AI SDK's Anthropic provider) take a signature only inside the block last started.
   */
  thinkingAsSigned?: boolean;
  /**
   * Function tools the request left without `strict` that OpenAI's Responses API would make strict
   * (a /v1/responses request's, src/openai/responses-tools.ts inferredStrictTools): OpenAI's and
   * Azure OpenAI's chat completions send them `strict: true` (OpenAIWire.infersStrict); other
   * services, which may refuse `strict`, do not.
   */
  strictTools?: readonly string[];
  /**
   * The reasoning summary a /v1/responses request asks for (`reasoning.summary`), which chat has no
   * field for: OpenAI's Responses API upstream takes it (openai-responses.ts); others ignore it.
   */
  reasoningSummary?: string;
  /**
   * A request another API's server tools need (OpenAI's hosted tools on /v1/responses, Anthropic's
   * server tools on /v1/messages), to be sent to the provider's own endpoint for `api` as it is
   * (src/routes/native-request.ts) instead of `body`, which then only stands for it; only an adapter
   * whose servesNative says so gets one. The answer comes back with it: JSON as `raw`, a stream's
   * events carried in its chunks (OpenAIStreamWriter.carry).
   */
  native?: { api: NativeApi; body: Record<string, unknown> };
  /**
   * The request is a zero-retention key's: OpenAI's own API is told to keep its prompt cache in
   * memory where the organisation's default could be a day (openai-cache-retention.ts).
   */
  zeroRetention?: boolean;
  /**
   * The streamed call goes again unstreamed (stream-refusal.ts): its answer will come whole, so the
   * attempt's first-byte timeout gives way to its request timeout, as for a JSON call.
   */
  answersWhole?: () => void;
}

export type ChatResult =
  /** `raw` is the upstream JSON text when the adapter passes it through unchanged. */
  | { kind: 'json'; body: ChatCompletion; raw?: string }
  /** OpenAI-format SSE bytes (`data: {chunk}\n\n` … `data: [DONE]`), produced as the provider sends. */
  | { kind: 'stream'; body: ReadableStream<Uint8Array> };

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: unknown[];
  usage?: Usage;
  [extra: string]: unknown;
}

export interface EmbeddingsCall {
  body: EmbeddingsRequest;
  model: string;
  signal: AbortSignal;
  requestId: string;
}

export interface EmbeddingsResult {
  object: 'list';
  data: { object: 'embedding'; index: number; embedding: number[] | string }[];
  model: string;
  /**
   * The provider's own count; absent when it gave none (Gemini, Workers AI): the route then answers
   * with its estimate and logs the row as estimated.
   */
  usage?: { prompt_tokens: number; total_tokens: number };
}

/**
 * An OpenAI-format answer too large to parse within a Worker's memory (2,048 float vectors of
 * 1,536 dimensions are ~66 MB of JSON), relayed as the provider wrote it, with its usage.
 */
export interface RawEmbeddings {
  raw: string;
  usage?: { prompt_tokens: number; total_tokens: number };
}

export interface ImagesCall {
  body: ImagesRequest;
  model: string;
  signal: AbortSignal;
  requestId: string;
}

/** What the GPT image models report (ImageGenUsage); DALL·E reports none. */
export interface ImagesUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  input_tokens_details?: { text_tokens?: number; image_tokens?: number };
  output_tokens_details?: { text_tokens?: number; image_tokens?: number };
}

/**
 * An images answer (ImagesResponse): `raw`, the provider's JSON text relayed as it came; `images`,
 * how many it holds; `summary`, the answer without its base64 images, for the log.
 */
export interface ImagesResult {
  raw: string;
  images: number;
  usage?: ImagesUsage;
  summary: Record<string, unknown>;
}

export interface ProviderAdapter {
  readonly name: string;
  readonly type: string;
  /** Model names advertised by `GET /v1/models` as `<provider>/<model>`. */
  readonly models: readonly string[];
  /**
   * The provider bills answers served on the `flex` service tier at half its standard rates (OpenAI's
   * own API: its Batch prices). Elsewhere a flex answer is charged at the standard rates.
   */
  readonly halfPriceFlex?: boolean;
  /**
   * Served from a region rather than a global endpoint (Vertex AI): Claude from the 4.5 generation
   * costs 10 % more there (pricing/cost.ts).
   */
  readonly regional?: boolean;
  /** embeddings() always refuses: the provider serves chat only (so it cannot embed for the semantic cache). */
  readonly chatOnly?: boolean;
  /**
   * embeddings() refuses `model` though the provider embeds with others (Vertex AI's Claude ids):
   * the semantic cache cannot embed with it either.
   */
  chatOnlyModel?(model: string): boolean;
  /**
   * `model` is Claude, which takes the Messages API's own parameters (`thinking`, `top_k`…) that a
   * /v1/messages request carries (ChatCall bodies from it): other models never get them.
   */
  servesClaude?(model: string): boolean;
  /**
   * The provider serves `api` for `model` as that API's own endpoint (OpenAI's Responses API on
   * OpenAI's own or Azure OpenAI; Anthropic's Messages API), running its server tools: a call with
   * ChatCall.native for that API may go to it — if it runs all the request `needs` (NativeRequest.needs).
   */
  servesNative?(api: NativeApi, model: string, needs: readonly string[]): boolean;
  chat(call: ChatCall): Promise<ChatResult>;
  embeddings(call: EmbeddingsCall): Promise<EmbeddingsResult | RawEmbeddings>;
  /** POST /v1/images/generations; absent where the provider makes no images (the route passes it over). */
  images?(call: ImagesCall): Promise<ImagesResult>;
}

export interface ProviderDeps {
  env: Env;
  fetch: typeof fetch;
}

/**
 * Why an upstream attempt failed. `caller` failures are the client's fault and pass through;
 * the rest are the provider's and may be retried or failed over.
 */
export type UpstreamFailure =
  | 'caller'
  | 'auth'
  | 'rate_limit'
  | 'overloaded'
  | 'server'
  | 'network'
  | 'timeout'
  | 'config';

export class UpstreamError extends Error {
  constructor(
    readonly failure: UpstreamFailure,
    /** HTTP status the provider answered, or 0 when there was no answer. */
    readonly status: number,
    message: string,
    readonly options: {
      code?: string | null;
      param?: string | null;
      retryAfterMs?: number;
      type?: string;
    } = {},
  ) {
    super(message);
    this.name = 'UpstreamError';
  }

  get retryable(): boolean {
    return this.failure !== 'caller' && this.failure !== 'config' && this.failure !== 'auth';
  }
}

/**
 * A request this provider cannot serve though another may (token-id inputs, a parameter it lacks),
 * refused before calling it: routing moves on to the route's next target, and only when none can
 * serve it is it the client's 400, naming the parameter (routing/execute.ts).
 */
export class Unsupported extends GatewayError {
  constructor(message: string, param: string) {
    super(400, 'invalid_request_error', null, message, param);
    this.name = 'Unsupported';
  }
}

/** Classifies an upstream HTTP status the way every adapter should. */
export function failureForStatus(status: number): UpstreamFailure {
  // 402: the provider account is out of credit (DeepSeek, OpenRouter): the operator's to fix.
  if (status === 401 || status === 402 || status === 403) return 'auth';
  // A redirect (not followed: fetchUpstream) means a base URL that moved: the operator's to fix.
  if (status >= 300 && status < 400) return 'config';
  if (status === 498) return 'overloaded'; // Groq: flex-tier capacity exceeded
  if (status === 408) return 'timeout';
  if (status === 429) return 'rate_limit';
  if (status === 503 || status === 529) return 'overloaded';
  if (status >= 500) return 'server';
  return 'caller';
}
