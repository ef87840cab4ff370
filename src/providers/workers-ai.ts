// `type: "workers-ai"` — Cloudflare Workers AI through the `AI` binding (no HTTP, no key). The
// binding has no local mode: in `wrangler dev` and tests it is unbound, and every call fails as a
// config error (never a crash) until the Worker is deployed with `[ai] binding = "AI"`.
//
// Chat maps: messages (system/developer → system; user text and image_url parts; assistant
// tool_calls; tool results), max_(completion_)tokens (else config `defaultMaxTokens`; with
// neither, the model's own default, 256 for most, reported as `length` when reached), temperature, top_p, seed,
// presence/frequency_penalty, tools, tool_choice auto/none, response_format json_object and
// json_schema, stream, reasoning_effort on the gpt-oss models (their `reasoning_effort` input:
// minimal → low, xhigh → high, none → low, as gpt-oss always reasons). The finish reason is the
// model's when it reports one, else tool_calls / length (completion tokens reached max_tokens) / stop.
// Rejected (400): n > 1, logprobs/top_logprobs, stop, tool_choice required or a named function,
// parallel_tool_calls false, logit_bias, non-text modalities, audio, functions/function_call,
// web_search_options, reasoning_effort on models other than gpt-oss, legacy `function` messages,
// audio/file parts, non-text parts in tool results, custom tools
// (function-tools.ts; allowed_tools naming function tools is honoured).
// Dropped, harmless: user, metadata, store, service_tier, prediction, prompt_cache_key,
// prompt_cache_retention, safety_identifier, verbosity, message `name`, tool `strict`.
// Parameters that are not OpenAI's (top_k, repetition_penalty, lora, raw…) are forwarded into the
// model inputs, which the model's input schema validates.
// Embeddings: string inputs to `@cf/baai/bge-*` style models (`{text: [...]}` → `data`), float or
// base64; token-array inputs and `dimensions` are rejected. The binding reports no embedding
// usage, so it is estimated.
import * as z from 'zod';
import { assistantChoice, chatCompletion } from './chat-completion';
import { embeddingList, inBatches, nativeEmbeddingFields, textInputs } from './embeddings';
import type { ChatCompletion, ProviderAdapter, ProviderDeps } from './types';
import { Unsupported, UpstreamError, type UpstreamFailure } from './types';
import { unexpectedAnswer } from './upstream-error';
import { toWorkersAIInputs } from './workers-ai-request';
import { argumentsText, toUsage, translateWorkersAIStream } from './workers-ai-stream';

export const workersAIProviderSchema = z.strictObject({
  type: z.literal('workers-ai'),
  models: z.array(z.string().min(1)).optional(),
  /** max_tokens when the client sets none; unset, the model's own default (256 for most). */
  defaultMaxTokens: z.number().int().positive().optional(),
});

/** Workers AI's own max_tokens when none is sent (the text-generation models' documented default). */
export const WORKERS_AI_DEFAULT_MAX_TOKENS = 256;
export type WorkersAIProviderConfig = z.infer<typeof workersAIProviderSchema>;

/** The slice of the `Ai` binding used here; its typed overloads only accept catalogued model names. */
export interface AiRunner {
  run(model: string, inputs: Record<string, unknown>, options?: { signal?: AbortSignal }): Promise<unknown>;
}

const CODE_FAILURES: Record<string, UpstreamFailure> = {
  '3003': 'caller', // incomplete request
  '3006': 'caller', // request too large
  '3007': 'timeout',
  '3008': 'timeout',
  '3023': 'auth',
  // The account's daily free allocation is used up: nothing a retry today fixes.
  '3036': 'auth',
  '3040': 'overloaded',
  '3042': 'config', // no such model: the route names one Workers AI does not have
  '5007': 'config', // "No such model or task": the same
  '3041': 'auth',
  '5016': 'auth',
  '5018': 'auth',
};

/** Binding errors carry Workers AI's internal code in their message (e.g. "3040: Out of capacity"). */
export function workersAIError(provider: string, error: unknown): UpstreamError {
  const message = error instanceof Error ? error.message : String(error);
  const code = /\b([35]\d{3})\b/.exec(message)?.[1];
  // 5xxx codes are about the request (unknown model, invalid input) unless listed; 3xxx the service.
  const failure = (code ? CODE_FAILURES[code] : undefined) ?? (code?.startsWith('5') ? 'caller' : 'server');
  if (failure === 'caller') {
    const tooLong = code === '3006' || /too long|context (length|window)|too many tokens/i.test(message);
    return new UpstreamError('caller', 400, message, {
      code: tooLong ? 'context_length_exceeded' : (code ?? null),
    });
  }
  return new UpstreamError(failure, 0, `${provider} failed${code ? ` (Workers AI error ${code})` : ''}.`, {
    code: code === '3036' ? 'insufficient_quota' : (code ?? null),
  });
}

function toCompletion(
  output: unknown,
  id: string,
  model: string,
  requestId: string,
  maxTokens: number,
): ChatCompletion {
  const created = Math.floor(Date.now() / 1000);
  if (output && typeof output === 'object' && Array.isArray((output as ChatCompletion).choices)) {
    // Newer models answer in OpenAI's shape already.
    return { ...(output as ChatCompletion), id, object: 'chat.completion', created, model };
  }
  const result = (typeof output === 'string' ? { response: output } : (output ?? {})) as {
    response?: unknown;
    tool_calls?: {
      id?: string;
      name?: string;
      arguments?: unknown;
      function?: { name?: string; arguments?: unknown };
    }[];
    usage?: Parameters<typeof toUsage>[0];
  };
  const text =
    typeof result.response === 'string'
      ? result.response
      : result.response == null
        ? ''
        : JSON.stringify(result.response);
  const toolCalls = (result.tool_calls ?? []).map((call, i) => ({
    id: call.id ?? `call_${requestId}_${i}`,
    type: 'function' as const,
    function: {
      name: call.function?.name ?? call.name ?? '',
      arguments: argumentsText(call.function?.arguments ?? call.arguments),
    },
  }));
  const usage = toUsage(result.usage);
  const length = (usage?.completion_tokens ?? 0) >= maxTokens;
  const choice = assistantChoice(
    text || (toolCalls.length ? null : ''),
    toolCalls,
    toolCalls.length ? 'tool_calls' : length ? 'length' : 'stop',
  );
  return chatCompletion({ id, model }, [choice], usage, created);
}

export function createWorkersAI(
  name: string,
  config: WorkersAIProviderConfig,
  deps: ProviderDeps,
): ProviderAdapter {
  // Typed as the catalogue-aware `Ai`; this adapter runs whatever model id the config names.
  const binding = deps.env.AI as unknown as AiRunner | undefined;
  const ai = (): AiRunner => {
    if (!binding) {
      throw new UpstreamError(
        'config',
        0,
        `Provider '${name}' needs the Workers AI binding: add \`[ai] binding = "AI"\` to the deployed Worker. Workers AI has no local mode, so it is unavailable in wrangler dev and tests.`,
      );
    }
    return binding;
  };
  const run = async (model: string, inputs: Record<string, unknown>, signal: AbortSignal) => {
    const runner = ai();
    try {
      return await runner.run(model, inputs, { signal });
    } catch (error) {
      if (signal.aborted) throw signal.reason ?? error;
      throw workersAIError(name, error);
    }
  };

  return {
    name,
    type: 'workers-ai',
    models: config.models ?? [],

    async chat({ body, model, signal, requestId }) {
      const inputs = toWorkersAIInputs(body, config.defaultMaxTokens, model);
      const output = await run(model, inputs, signal);
      const id = `chatcmpl-${requestId}`;
      // The cap the model ran under, sent or not: reaching it is a `length` finish.
      const maxTokens = (inputs.max_tokens as number | undefined) ?? WORKERS_AI_DEFAULT_MAX_TOKENS;
      if (!body.stream) return { kind: 'json', body: toCompletion(output, id, model, requestId, maxTokens) };
      if (!(output instanceof ReadableStream)) {
        throw new UpstreamError('server', 200, `${name} answered a stream request without a stream.`);
      }
      return {
        kind: 'stream',
        body: translateWorkersAIStream(output, name, { id, model, requestId }, maxTokens),
      };
    },

    async embeddings({ body, model, signal }) {
      if (body.dimensions != null) {
        throw new Unsupported(
          'Workers AI embedding models have a fixed size: omit dimensions.',
          'dimensions',
        );
      }
      const texts = textInputs(body.input, 'Workers AI embeds text: send strings, not token arrays.');
      // The model's own parameters (bge's `pooling`) go as they are; at most 100 texts a call
      // (the embedding models' input schema), OpenAI up to 2,048: batches, joined in order.
      const native = nativeEmbeddingFields(body);
      const vectors = await inBatches(
        texts,
        { size: 100, parallel: 4 },
        signal,
        async (batch, batchSignal) => {
          const output = (await run(model, { ...native, text: batch }, batchSignal)) as { data?: unknown };
          if (!Array.isArray(output?.data) || output.data.length !== batch.length) {
            throw unexpectedAnswer(name, 'embeddings body');
          }
          return output.data as number[][];
        },
      );
      // The embedding models report no token count: the route estimates it (and logs that it did).
      return embeddingList(vectors, body.encoding_format, model, undefined);
    },
  };
}
