// Embeddings for the semantic cache: Workers AI through the `AI` binding when it is bound (and
// the config names no other provider), else the configured provider's /embeddings adapter.
import type { Runtime } from '../config/runtime';
import type { Env } from '../env';
import type { CacheConfig } from './config-schema';
import { WORKERS_AI } from './config-schema';

export const DEFAULT_WORKERS_AI_MODEL = '@cf/baai/bge-base-en-v1.5';

/** The Workers AI binding as this file calls it (its own types know only the catalogue's names). */
interface AiRunner {
  run(model: string, inputs: { text: string[] }, options?: { signal?: AbortSignal }): Promise<unknown>;
}

export type Embedder = (text: string, signal?: AbortSignal) => Promise<number[]>;

/** Which model embeds (`<provider>/<model>`): the semantic partition names it (src/cache/key.ts). */
export function embeddingModel(runtime: Runtime, config: CacheConfig): string {
  const chosen = config.semantic.embedding;
  if (!chosen || chosen.provider === WORKERS_AI)
    return `${WORKERS_AI}/${chosen?.model ?? DEFAULT_WORKERS_AI_MODEL}`;
  return `${chosen.provider}/${providerModel(runtime, chosen) ?? ''}`;
}

/** The model a configured provider embeds with: the one named, else the provider's first. */
function providerModel(runtime: Runtime, chosen: { provider: string; model?: string }): string | undefined {
  return chosen.model ?? runtime.provider(chosen.provider)?.models[0];
}

/**
 * Checked when a config is stored (PUT /admin/config), not when one is read back: semantic caching
 * needs an embedding provider that serves embeddings, and one named without a model embeds with
 * the provider's first model, so it must have one, and one that embeds (not Vertex AI's Claude).
 * (A stored config without is still read; its semantic cache does nothing.)
 */
export function embeddingModelIssue(runtime: Runtime): { message: string; param: string } | undefined {
  const { semantic } = runtime.config.cache;
  const chosen = semantic.embedding;
  if (!semantic.enabled || !chosen || chosen.provider === WORKERS_AI) return undefined;
  const adapter = runtime.provider(chosen.provider);
  if (adapter?.chatOnly)
    return {
      message: `Invalid config (the previous config stays in force): cache.semantic.embedding.provider: provider '${chosen.provider}' (${adapter.type}) serves no embeddings; name one that does, or '${WORKERS_AI}'`,
      param: 'cache.semantic.embedding.provider',
    };
  const model = providerModel(runtime, chosen);
  if (model === undefined)
    return {
      message: `Invalid config (the previous config stays in force): cache.semantic.embedding.model: name the embedding model, since provider '${chosen.provider}' lists no models to default to`,
      param: 'cache.semantic.embedding.model',
    };
  if (adapter?.chatOnlyModel?.(model))
    return {
      message: `Invalid config (the previous config stays in force): cache.semantic.embedding.model: '${model}'${chosen.model === undefined ? ` (provider '${chosen.provider}' lists it first)` : ''} serves chat only on provider '${chosen.provider}' (${adapter.type}); name an embedding model`,
      param: 'cache.semantic.embedding.model',
    };
  return undefined;
}

/** How this deployment embeds, or undefined when nothing can (semantic caching then does nothing). */
export function embedder(env: Env, runtime: Runtime, config: CacheConfig): Embedder | undefined {
  const chosen = config.semantic.embedding;
  if (!chosen || chosen.provider === WORKERS_AI) {
    const ai = env.AI as unknown as AiRunner | undefined;
    if (!ai) return undefined;
    const model = chosen?.model ?? DEFAULT_WORKERS_AI_MODEL;
    // The signal goes to the binding (its `signal` option): a lookup past lookupTimeoutMs, or a
    // store past its embedding time, cancels the call instead of leaving it to run (and bill).
    return async (text, signal) => {
      const output = (await ai.run(model, { text: [text] }, signal ? { signal } : undefined)) as {
        data?: unknown;
      };
      return vectorOf(Array.isArray(output?.data) ? output.data[0] : undefined, model);
    };
  }
  const adapter = runtime.provider(chosen.provider);
  const model = providerModel(runtime, chosen);
  // No model to ask for, or a provider (or model) that serves no embeddings (a stored config from
  // before that was checked): nothing embeds.
  if (!adapter || adapter.chatOnly || !model || adapter.chatOnlyModel?.(model)) return undefined;
  return async (text, signal) => {
    const result = await adapter.embeddings({
      body: { model, input: text },
      model,
      signal: signal ?? new AbortController().signal,
      requestId: 'semantic-cache',
    });
    // One short question: never an answer too large to parse (RawEmbeddings).
    return vectorOf('raw' in result ? undefined : result.data[0]?.embedding, model);
  };
}

function vectorOf(value: unknown, model: string): number[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((x) => typeof x === 'number'))
    throw new Error(`embedding model '${model}' returned no usable vector`);
  return value as number[];
}
