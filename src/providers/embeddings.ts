// Embedding plumbing shared by the adapters: string inputs in, OpenAI embedding lists out.
import { toBase64 } from '../base64';
import type { EmbeddingsRequest } from '../openai/schemas';
import { type EmbeddingsResult, Unsupported } from './types';

/**
 * The request's inputs as strings; token arrays are refused with `refusal` (Unsupported: the route's
 * next target may take them, else a 400 on `input`).
 */
export function textInputs(input: EmbeddingsRequest['input'], refusal: string): string[] {
  if (typeof input === 'string') return [input];
  if (input.every((item) => typeof item === 'string')) return input as string[];
  throw new Unsupported(refusal, 'input');
}

/** OpenAI's own embeddings fields: the adapters translate these. */
const OPENAI_EMBEDDING_FIELDS = new Set(['model', 'input', 'encoding_format', 'dimensions', 'user']);

/**
 * What an embeddings request carries beyond OpenAI's fields: the provider's own parameters (Cohere's
 * `input_type`, Workers AI's `pooling`…), forwarded as they are, never dropped.
 */
export function nativeEmbeddingFields(body: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([name]) => !OPENAI_EMBEDDING_FIELDS.has(name)));
}

/** A per-call limit on the sum of the items' weights (Vertex AI: tokens per request). */
export interface BatchBudget<T> {
  limit: number;
  weight: (item: T) => number;
}

/**
 * Runs `embed` over `items` in batches of at most `size` (a provider's per-call limit; OpenAI takes
 * up to 2,048 inputs) and, with a `budget`, of at most its `limit` in total weight (an item heavier
 * than the limit goes alone, for the provider to judge), `parallel` at a time, and joins the
 * results in input order. One batch failing fails the whole call, and the batches still in flight
 * are let go (their signal aborts).
 */
export async function inBatches<T, R>(
  items: readonly T[],
  { size, parallel, budget }: { size: number; parallel: number; budget?: BatchBudget<T> },
  signal: AbortSignal,
  embed: (batch: T[], signal: AbortSignal) => Promise<R[]>,
): Promise<R[]> {
  const done = new AbortController();
  const batchSignal = AbortSignal.any([signal, done.signal]);
  const batches: T[][] = [];
  let weight = 0;
  for (const item of items) {
    const itemWeight = budget?.weight(item) ?? 0;
    const last = batches.at(-1);
    if (last && last.length < size && (!budget || weight + itemWeight <= budget.limit)) {
      last.push(item);
      weight += itemWeight;
    } else {
      batches.push([item]);
      weight = itemWeight;
    }
  }
  const results: R[] = [];
  for (let i = 0; i < batches.length; i += parallel) {
    const wave = batches.slice(i, i + parallel).map((batch) => embed(batch, batchSignal));
    try {
      for (const part of await Promise.all(wave)) results.push(...part);
    } catch (error) {
      done.abort();
      throw error;
    }
  }
  return results;
}

/** Scales a vector to unit length, as OpenAI's are; a zero vector is returned as it is. */
export function normalise(values: number[]): number[] {
  const norm = Math.sqrt(values.reduce((sum, v) => sum + v * v, 0));
  return norm > 0 ? values.map((v) => v / norm) : values;
}

/** OpenAI's base64 encoding: the float32 little-endian bytes of the vector. */
export function float32Base64(values: readonly number[]): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (const [i, v] of values.entries()) view.setFloat32(i * 4, v, true);
  return toBase64(bytes);
}

/**
 * The OpenAI answer for `vectors`, in the encoding the request asked for; `tokens` is the provider's
 * count, undefined when it gave none (the route fills in its estimate).
 */
export function embeddingList(
  vectors: number[][],
  encoding: EmbeddingsRequest['encoding_format'],
  model: string,
  tokens: number | undefined,
): EmbeddingsResult {
  return {
    object: 'list',
    data: vectors.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: encoding === 'base64' ? float32Base64(vector) : vector,
    })),
    model,
    ...(tokens !== undefined ? { usage: { prompt_tokens: tokens, total_tokens: tokens } } : {}),
  };
}
