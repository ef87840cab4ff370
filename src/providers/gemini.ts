// `type: "gemini"` — Google AI Studio's Gemini API ({baseUrl}/models/{model}:generateContent,
// :streamGenerateContent?alt=sse and :batchEmbedContents), translated to and from OpenAI.
//
// Request mapping (gemini-request.ts, gemini-messages.ts, gemini-parts.ts):
// - system and developer messages, wherever they appear, become systemInstruction parts in order.
// - user → role "user", assistant → role "model"; consecutive turns of one role merge (so the
//   functionResponse parts answering parallel calls share one turn). Assistant tool_calls become
//   functionCall parts, each with the thought signature it carries back as
//   extra_content.google.thought_signature (thought-signature.ts; anything else there is read as
//   none); a message whose calls carry none (a client that kept only OpenAI's fields) has Google's
//   documented skip_thought_signature_validator placeholder on its first call instead; its `images`
//   (an image model's answer sent back) become inlineData parts of the model turn, with the
//   thoughtSignature each came with (output-images.ts); a tool
//   message becomes a functionResponse part named after the earlier tool call with its
//   tool_call_id (an unknown id is a 400). Tool output that is a JSON object is sent as the
//   response object; anything else as {"output": text}. Its images, audio and files go as parts
//   after the turn's functionResponse parts (never dropped).
// - Images and files: data: URLs → inlineData; http(s) URLs → fileData with the MIME type taken
//   from the extension (png, jpg, jpeg, webp, gif, heic, heif, pdf; Files API URIs need none);
//   other URLs are refused with a 400 asking for a data: URL. input_audio → inlineData audio/{format}.
// - generationConfig: temperature, top_p → topP, top_k → topK, max_completion_tokens ?? max_tokens
//   → maxOutputTokens, stop → stopSequences, n → candidateCount, seed, presence/frequency_penalty
//   (when non-zero), response_format json_object → responseMimeType application/json, json_schema
//   → also responseJsonSchema (Gemini's JSON Schema field; responseSchema would need the
//   OpenAPI-subset dialect). tools → functionDeclarations with parametersJsonSchema; tool_choice
//   auto/none/required/{function} → functionCallingConfig AUTO/NONE/ANY/ANY+allowedFunctionNames.
//   parallel_tool_calls:false has no Gemini switch: only the first function call is returned.
//   reasoning_effort → generationConfig.thinkingConfig as Google maps it (gemini-thinking.ts:
//   thinkingBudget on 2.5, thinkingLevel from 3; the client's own thinkingConfig wins; refused
//   on models before 2.5 and ids that name no generation).
// Refused with a 400: logprobs, top_logprobs, logit_bias, audio output, non-text modalities,
// functions / function_call / role "function", web_search_options, file parts without file_data, custom tools
// (function-tools.ts; allowed_tools naming function tools is honoured).
// Dropped because they do not change the answer's meaning: user, safety_identifier, store,
// metadata, service_tier, prompt_cache_key, prompt_cache_retention, prediction, verbosity,
// message `name`, image `detail`, tool `strict`.
// Unknown parameters are forwarded verbatim into the Gemini body (safetySettings, cachedContent…;
// a `generationConfig` object is merged into the translated one), and Gemini rejects unknown
// fields with a 400 that passes through. One that names a field the translation already set is
// refused with a 400 (a client `safetySettings` replaces the configured one). Null counts as unset.
//
// Response mapping (gemini-response.ts): text parts → content (thought parts skipped), image
// inlineData parts (image models) → message.images / delta.images as data: URLs, a part's
// thoughtSignature as the image's extra_content.google.thought_signature (output-images.ts),
// functionCall → tool_calls with generated ids, the part's thoughtSignature as the call's
// extra_content.google.thought_signature where Google's OpenAI-compatible API puts it (in a stream,
// on the delta that starts the call; a text part's signature has no documented place there and is
// not relayed), finishReason MAX_TOKENS → length,
// SAFETY/RECITATION/BLOCKLIST/PROHIBITED_CONTENT/SPII → content_filter, else stop (tool_calls
// when the candidate called a function); MALFORMED_FUNCTION_CALL, UNEXPECTED_TOOL_CALL,
// TOO_MANY_TOOL_CALLS, MISSING_THOUGHT_SIGNATURE or MALFORMED_RESPONSE without a call is a failed
// attempt (retried or failed over; mid-stream an error event), never an empty "stop".
// promptFeedback.blockReason without candidates → 400 with
// code content_filter. usageMetadata → usage (thoughts count as completion tokens,
// cachedContentTokenCount → cached_tokens, the IMAGE count of candidatesTokensDetails → image_tokens; gemini-usage.ts).
//
// Errors: a RESOURCE_EXHAUSTED answer's RetryInfo.retryDelay counts as its Retry-After.
//
// Embeddings: :batchEmbedContents, 100 inputs per batch (Gemini's limit; up to 4 at once); dimensions → outputDimensionality (the vectors are then
// L2-normalised, as Google advises for truncated outputs and as OpenAI's are); encoding_format
// base64 → little-endian float32 base64. Gemini reports no token counts for embeddings, so usage
// is estimated. Token-array inputs are refused; `user` is dropped; unknown fields (taskType,
// title…) are forwarded into every request of the batch.
import * as z from 'zod';
import { urlUnder } from './base-url';
import { sentWithinModelCap } from './cap-refusal';
import { embeddingList, inBatches, normalise, textInputs } from './embeddings';
import { geminiError, parseGeminiError } from './gemini-errors';
import { generationWithin, toGeminiRequest } from './gemini-request';
import { responseSchema, toCompletion, translateStream } from './gemini-response';
import { OpenAIStreamWriter } from './openai-stream-writer';
import { conflictingParam, paramPolicy } from './params';
import { apiKeyFor, resolveSecret, secretRef } from './secret';
import type { ChatCall, ChatResult, ProviderAdapter, ProviderDeps } from './types';
import {
  fetchUpstream,
  parseAnswer,
  readErrorText,
  retryAfterMs,
  streamBody,
  unexpectedAnswer,
} from './upstream-error';
import { withoutUserinfo } from './url-credentials';

export const geminiProviderSchema = z.strictObject({
  type: z.literal('gemini'),
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  apiKey: secretRef.optional(),
  headers: z.record(z.string(), z.string()).optional(),
  models: z.array(z.string().min(1)).optional(),
  /** Sent with every chat request unless the client sends its own `safetySettings`. */
  safetySettings: z.array(z.looseObject({ category: z.string(), threshold: z.string() })).optional(),
});
export type GeminiProviderConfig = z.infer<typeof geminiProviderSchema>;

/** Embedding requests: what is not OpenAI's goes into every request of the batch. */
const EMBED_PARAMS = paramPolicy({ translate: 'model input encoding_format dimensions', drop: 'user' });
/** batchEmbedContents takes at most 100 requests; this many batches are in flight at once. */
const EMBED_BATCH = 100;
const EMBED_PARALLEL = 4;

const embedSchema = z.looseObject({
  embeddings: z.array(z.looseObject({ values: z.array(z.number()) })),
});

export function createGemini(
  name: string,
  config: GeminiProviderConfig,
  deps: ProviderDeps,
): ProviderAdapter {
  // The key goes in `x-goog-api-key`, so a proxy's user:password in baseUrl can go in Authorization.
  const base = withoutUserinfo(
    config.baseUrl ?? 'https://generativelanguage.googleapis.com/v1beta',
    config.headers,
  );
  const under = urlUnder(base.url);
  const apiKey = resolveSecret(config.apiKey, deps.env);
  // One path segment whatever the client put in `<provider>/<model>`.
  const modelPath = (model: string) => `models/${encodeURIComponent(model.replace(/^models\//, ''))}`;

  const post = async (url: string, body: unknown, signal: AbortSignal) => {
    const key = apiKeyFor(name, apiKey);
    const response = await fetchUpstream(deps.fetch, name, url, {
      method: 'POST',
      headers: {
        ...config.headers,
        'content-type': 'application/json',
        ...(key ? { 'x-goog-api-key': key } : {}),
        ...(base.authorization ? { authorization: base.authorization } : {}),
      },
      body: JSON.stringify(body),
      signal,
    });
    if (!response.ok) throw await geminiFailure(name, response);
    return response;
  };

  return {
    name,
    type: 'gemini',
    models: config.models ?? [],

    chat: (call) =>
      geminiChat(name, call, config.safetySettings, (action, body, signal) =>
        post(under(`/${modelPath(call.model)}:${action}`), body, signal),
      ),

    async embeddings({ body, model, signal }) {
      const texts = textInputs(body.input, 'Gemini embeds text, not token arrays.');
      const extras: Record<string, unknown> = {};
      for (const [key, value] of EMBED_PARAMS.native(body)) {
        if (key === 'content' || key === 'outputDimensionality') throw conflictingParam(key);
        extras[key] = value; // native per-request fields such as taskType or title
      }
      const path = modelPath(model);
      const requests = texts.map((text) => ({
        model: path,
        content: { parts: [{ text }] },
        ...(body.dimensions ? { outputDimensionality: body.dimensions } : {}),
        ...extras,
      }));
      // Gemini takes at most 100 requests per batch (OpenAI up to 2048 inputs): several batches,
      // a few at a time, joined in input order.
      const embeddings = await inBatches(
        requests,
        { size: EMBED_BATCH, parallel: EMBED_PARALLEL },
        signal,
        async (batch, batchSignal) => {
          const url = under(`/${path}:batchEmbedContents`);
          const response = await post(url, { requests: batch }, batchSignal);
          const answer = parseAnswer(name, await response.text().catch(() => ''), embedSchema);
          if (answer.embeddings.length !== batch.length) throw unexpectedAnswer(name);
          return answer.embeddings;
        },
      );
      const vectors = embeddings.map(({ values }) => (body.dimensions ? normalise(values) : values));
      // batchEmbedContents reports no token count: the route estimates it (and logs that it did).
      return embeddingList(vectors, body.encoding_format, model, undefined);
    },
  };
}

/** The method of a generateContent endpoint a chat request calls (streamed or not). */
export type GeminiAction = 'generateContent' | 'streamGenerateContent?alt=sse';

/**
 * A chat call through any endpoint that speaks generateContent: Google AI Studio here, Vertex AI in
 * vertex.ts. `post` sends the body to the model's `action` and returns an ok answer, or throws.
 */
export async function geminiChat(
  name: string,
  { body, model, signal, requestId }: ChatCall,
  safetySettings: unknown[] | undefined,
  post: (action: GeminiAction, body: unknown, signal: AbortSignal) => Promise<Response>,
): Promise<ChatResult> {
  const request = toGeminiRequest(body, safetySettings, model);
  const ids = { id: `chatcmpl-${requestId}`, model };
  // A maxOutputTokens above the model's limit is refused (Vertex AI): once more, at the limit (cap-refusal.ts).
  const sent = (action: GeminiAction) =>
    sentWithinModelCap(request.body, (within) => post(action, within, signal), generationWithin);
  if (body.stream) {
    const response = await sent('streamGenerateContent?alt=sse');
    const upstream = await streamBody(name, response);
    const writer = new OpenAIStreamWriter(ids.id, model);
    return { kind: 'stream', body: translateStream(name, upstream, writer, request.singleToolCall) };
  }
  const response = await sent('generateContent');
  // A body that fails mid-read is as unreadable as a malformed one.
  const answer = parseAnswer(name, await response.text().catch(() => ''), responseSchema);
  return { kind: 'json', body: toCompletion(name, answer, ids, request.singleToolCall) };
}

/** A failed answer in Google's error shape (`{error: {code, message, status, details}}`). */
export async function geminiFailure(name: string, response: Response) {
  const error = parseGeminiError(await readErrorText(response));
  return geminiError(name, error, response.status, retryAfterMs(response.headers));
}
