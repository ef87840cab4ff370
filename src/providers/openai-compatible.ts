// `type: "openai"` — OpenAI itself and every OpenAI-compatible service (Groq, Mistral, Together,
// DeepSeek, OpenRouter, Fireworks, xAI, Ollama…): its config, and what each service is told apart by
// (openai-wire.ts calls them all alike). The body is forwarded as the client sent it, with
// only `model` replaced and `stream_options.include_usage` forced on for streams (the gateway needs
// usage for limits and costs; the relay hides the usage chunk from clients that did not ask) —
// except where `streamUsage` is false (Mistral's default: it refuses `stream_options` with a 422
// and puts usage in its last chunk anyway), which sends no `stream_options` at all. Mistral, which
// refuses every field it does not define, gets OpenAI's under its own names (mistral-body.ts). On
// OpenAI's own API, what its newest models refuse is refused before the call (openai-model-rules.ts).
// The messages go as each service takes them (openai-wire-messages.ts).
import * as z from 'zod';
import { urlUnder } from './base-url';
import { capAsMaxTokens } from './max-tokens';
import { mistralChatBody, mistralEmbeddingsBody } from './mistral-body';
import { responsesApiSchema, runsHostedTools, usesResponses } from './openai-responses';
import { openAIWireAdapter } from './openai-wire';
import { OPENAI_COMPATIBLE_PRESETS, PRESET_NAMES } from './presets';
import { apiKeyFor, resolveSecret, secretRef } from './secret';
import type { ProviderAdapter, ProviderDeps } from './types';
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
      infersStrict: openai,
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
