import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { defaultCacheConfig } from '../../src/cache/config-schema';
import { DEFAULT_WORKERS_AI_MODEL, embedder } from '../../src/cache/embed';
import type { Runtime } from '../../src/config/runtime';
import type { Env } from '../../src/env';

describe('semantic-cache embeddings through the Workers AI binding', () => {
  it('hands the binding the caller’s signal, so a lookup that gives up (or a store that times out) cancels the call', async () => {
    const seen: { model: string; inputs: unknown; options?: { signal?: AbortSignal } }[] = [];
    const ai = {
      // As the binding does: a call whose signal aborts fails at once; one without one runs on.
      run(model: string, inputs: unknown, options?: { signal?: AbortSignal }) {
        seen.push({ model, inputs, options });
        return new Promise((resolve, reject) => {
          options?.signal?.addEventListener('abort', () => reject(options.signal?.reason), { once: true });
          setTimeout(() => resolve({ shape: [1, 3], data: [[0.1, 0.2, 0.3]] }), 500);
        });
      },
    };
    const embed = embedder({ ...env, AI: ai } as unknown as Env, {} as Runtime, defaultCacheConfig());
    expect(embed).toBeDefined();
    const cancel = new AbortController();
    const asked = embed!('what is the capital of France?', cancel.signal);
    cancel.abort(new Error('cache lookup took longer than 1000 ms'));
    await expect(asked).rejects.toThrow('cache lookup took longer');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.model).toBe(DEFAULT_WORKERS_AI_MODEL);
    expect(seen[0]!.inputs).toEqual({ text: ['what is the capital of France?'] });
    expect(seen[0]!.options?.signal).toBe(cancel.signal);
  });

  it('reads the vector from the binding’s `data` (one row per text)', async () => {
    const ai = { run: async () => ({ shape: [1, 3], data: [[0.5, -0.25, 1]], pooling: 'mean' }) };
    const embed = embedder({ ...env, AI: ai } as unknown as Env, {} as Runtime, defaultCacheConfig());
    expect(await embed!('hello')).toEqual([0.5, -0.25, 1]);
  });
});
