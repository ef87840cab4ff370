// `type: "cohere"` — Cohere's native Chat v2 (POST {baseUrl}/v2/chat) and Embed v2
// (POST {baseUrl}/v2/embed), Bearer auth. Translation: cohere-request.ts, cohere-response.ts.
//
// Chat maps: system/developer/user/assistant/tool messages (user text and image_url parts;
// assistant content beside tool_calls ⇄ tool_plan), tools (any `strict` → strict_tools),
// tool_choice (none → NONE, required → REQUIRED, a named function → REQUIRED with only that
// tool), response_format json_object/json_schema, max_(completion_)tokens, stop → stop_sequences,
// temperature, top_p → p (kept within Cohere's 0.01–0.99), seed, presence/frequency_penalty
// (0–1 at Cohere: outside it a 400), stream, reasoning_effort → `thinking` on Command A Reasoning
// (none → disabled, else enabled with a token_budget: cohere-thinking.ts). Finish: COMPLETE and
// STOP_SEQUENCE → stop, MAX_TOKENS → length, TOOL_CALL → tool_calls; ERROR and TIMEOUT are
// failures (an error event mid-stream).
// Rejected (400): n > 1, logprobs/top_logprobs, parallel_tool_calls false, logit_bias,
// non-text modalities, audio, functions/function_call, web_search_options, reasoning_effort on
// models that cannot think, audio/file parts, non-text parts in tool results, legacy `function` messages, custom tools (function-tools.ts; allowed_tools
// naming function tools is honoured).
// Dropped, harmless: user, metadata, store, service_tier, prediction, prompt_cache_key,
// prompt_cache_retention, safety_identifier, verbosity, message `name`; citations and reasoning
// ("thinking") content are not relayed.
// Parameters that are not OpenAI's (k, documents, citation_options, safety_mode, thinking…) are
// forwarded into the Cohere body, which Cohere validates; one naming a field the translation set
// (e.g. `p` beside top_p) is refused.
// Embeddings: string inputs (96 per call, Cohere's limit: more go in batches), float or base64,
// `dimensions` → output_dimension; input_type from
// the config (default search_document); truncate NONE so over-long input fails as at OpenAI;
// usage from meta.billed_units (without it, none: the route estimates).
import * as z from 'zod';
import { urlUnder } from './base-url';
import { toCohereRequest } from './cohere-request';
import { toCompletion, translateCohereStream } from './cohere-response';
import { embeddingList, inBatches, nativeEmbeddingFields, textInputs } from './embeddings';
import { apiKeyFor, resolveSecret, secretRef } from './secret';
import type { ProviderAdapter, ProviderDeps, UpstreamFailure } from './types';
import { failureForStatus, UpstreamError } from './types';
import {
  fetchUpstream,
  parseAnswer,
  parseErrorBody,
  readErrorText,
  retryAfterMs,
  streamBody,
  unexpectedAnswer,
} from './upstream-error';

export const cohereProviderSchema = z.strictObject({
  type: z.literal('cohere'),
  apiKey: secretRef,
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** Cohere embeds differently for what is stored and what is searched. */
  embeddingInputType: z.enum(['search_document', 'search_query', 'classification', 'clustering']).optional(),
  models: z.array(z.string().min(1)).optional(),
});
export type CohereProviderConfig = z.infer<typeof cohereProviderSchema>;

const TOO_LONG = /too many tokens|too long|context length|exceeds? the (maximum|limit)/i;
/** "too many tokens: max tokens must be less than or equal to 4096…": the output cap, not the prompt. */
const OUTPUT_CAP = /max[ _]tokens|max(imum)? output/i;

/** 402 (billing) and 498 (invalid token) are the gateway's account problems, not the caller's. */
export async function cohereErrorFrom(provider: string, response: Response): Promise<UpstreamError> {
  const parsed = parseErrorBody(await readErrorText(response));
  const status = response.status;
  const failure: UpstreamFailure = status === 402 || status === 498 ? 'auth' : failureForStatus(status);
  if (failure === 'caller') {
    const message = parsed.message ?? `${provider} rejected the request (HTTP ${status}).`;
    return new UpstreamError('caller', status, message, {
      code: TOO_LONG.test(message) && !OUTPUT_CAP.test(message) ? 'context_length_exceeded' : null,
    });
  }
  const retryAfter = retryAfterMs(response.headers);
  return new UpstreamError(failure, status, `${provider} answered HTTP ${status}.`, {
    ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
  });
}

const embedResponse = z.looseObject({
  embeddings: z.looseObject({ float: z.array(z.array(z.number())) }),
  meta: z
    .looseObject({ billed_units: z.looseObject({ input_tokens: z.number().optional() }).optional() })
    .optional(),
});

export function createCohere(
  name: string,
  config: CohereProviderConfig,
  deps: ProviderDeps,
): ProviderAdapter {
  const under = urlUnder(config.baseUrl ?? 'https://api.cohere.com');
  const apiKey = resolveSecret(config.apiKey, deps.env);

  const post = async (path: string, body: unknown, signal: AbortSignal, stream = false) => {
    const key = apiKeyFor(name, apiKey);
    const response = await fetchUpstream(deps.fetch, name, under(path), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: stream ? 'text/event-stream' : 'application/json',
        authorization: `Bearer ${key}`,
      },
      body: JSON.stringify(body),
      signal,
    });
    if (!response.ok) throw await cohereErrorFrom(name, response);
    return response;
  };

  return {
    name,
    type: 'cohere',
    models: config.models ?? [],

    async chat({ body, model, signal, requestId }) {
      const request = toCohereRequest(body, model);
      const response = await post('/v2/chat', request, signal, body.stream === true);
      const id = `chatcmpl-${requestId}`;
      if (!body.stream) return { kind: 'json', body: toCompletion(name, await response.text(), id, model) };
      const upstream = await streamBody(name, response);
      return { kind: 'stream', body: translateCohereStream(upstream, name, id, model) };
    },

    async embeddings({ body, model, signal }) {
      const texts = textInputs(body.input, 'Cohere embeds text: send strings, not token arrays.');
      // Cohere's own parameters in the request win over the config's defaults (a query embedded
      // as `search_query`); the texts and the float vectors read back are the gateway's.
      const native = nativeEmbeddingFields(body);
      // Cohere embeds at most 96 texts per call (OpenAI up to 2,048): batches, joined in order.
      // Cohere's billed count; undefined once a batch's answer lacks it (the route then estimates).
      let tokens: number | undefined = 0;
      const vectors = await inBatches(
        texts,
        { size: 96, parallel: 4 },
        signal,
        async (batch, batchSignal) => {
          const response = await post(
            '/v2/embed',
            {
              input_type: config.embeddingInputType ?? 'search_document',
              truncate: 'NONE',
              ...native,
              model,
              texts: batch,
              embedding_types: ['float'],
              ...(body.dimensions ? { output_dimension: body.dimensions } : {}),
            },
            batchSignal,
          );
          const raw = await response.text().catch(() => ''); // unreadable is as unexpected as malformed
          const parsed = parseAnswer(name, raw, embedResponse, 'embeddings body');
          if (parsed.embeddings.float.length !== batch.length)
            throw unexpectedAnswer(name, 'embeddings body');
          const billed = parsed.meta?.billed_units?.input_tokens;
          tokens = tokens === undefined || billed === undefined ? undefined : tokens + billed;
          return parsed.embeddings.float;
        },
      );
      return embeddingList(vectors, body.encoding_format, model, tokens);
    },
  };
}
