import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  durableObjectIndex,
  entryLimit,
  MAX_INDEX_FLOATS,
  SemanticIndex,
} from '../../src/cache/index-object';
import type { VectorIndex } from '../../src/cache/vector-index';
import { vectorizeIndex } from '../../src/cache/vectorize-index';
import worker from '../../src/index';
import { embedText } from '../../src/providers/mock';
import { createKey, type Json, openaiConfig, putConfig } from '../helpers/gateway';
import { upstream } from './harness';
import { VectorizeStandIn } from './vectorize-stand-in';

const DIMS = 256;
const HOUR = 3_600_000;
const answer = (id: string, text: string, expiresAt = Date.now() + HOUR) => ({
  id,
  vector: embedText(text, DIMS),
  key: `cache:exact:key:k:${id}`,
  expiresAt,
});
const partition = () => crypto.randomUUID().replaceAll('-', '');

const backends: [string, () => { index: VectorIndex; settle: () => void }][] = [
  ['Durable Object', () => ({ index: durableObjectIndex(env.SEMANTIC_INDEX, 100), settle: () => {} })],
  [
    'Vectorize',
    () => {
      const standIn = new VectorizeStandIn(DIMS, ['partition']);
      return { index: vectorizeIndex(standIn), settle: () => standIn.flush() };
    },
  ],
];

for (const [name, make] of backends) {
  describe(`${name} vector index`, () => {
    it('finds the nearest live answer of the partition above the threshold', async () => {
      const { index, settle } = make();
      const p = partition();
      await index.put(p, answer('a', 'the capital city of france'));
      await index.put(p, answer('b', 'moons of jupiter and saturn'));
      settle();
      const found = await index.nearest(p, embedText('what is the capital city of france', DIMS), 0.8);
      expect(found).toMatchObject({ id: 'a', key: 'cache:exact:key:k:a' });
      expect(found!.score).toBeGreaterThan(0.8);
      expect(
        await index.nearest(p, embedText('what is the capital city of france', DIMS), 0.99),
      ).toBeUndefined();
    });

    it('keeps partitions apart', async () => {
      const { index, settle } = make();
      const [p1, p2] = [partition(), partition()];
      await index.put(p1, answer('a', 'the capital city of france'));
      settle();
      expect(await index.nearest(p2, embedText('the capital city of france', DIMS), 0.5)).toBeUndefined();
      expect((await index.nearest(p1, embedText('the capital city of france', DIMS), 0.5))?.id).toBe('a');
    });

    it('ignores expired answers, even when they are the closest', async () => {
      const { index, settle } = make();
      const p = partition();
      await index.put(p, answer('old', 'the capital city of france', Date.now() - 1));
      await index.put(p, answer('live', 'the capital city of france please'));
      settle();
      expect((await index.nearest(p, embedText('the capital city of france', DIMS), 0.5))?.id).toBe('live');
    });

    it('finds a live answer behind many closer expired ones', async () => {
      const { index, settle } = make();
      const p = partition();
      for (let i = 0; i < 12; i++)
        await index.put(p, answer(`old-${i}`, `the capital city of france ${'!'.repeat(i)}`, Date.now() - 1));
      await index.put(p, answer('live', 'what is the capital city of france, please tell me'));
      settle();
      expect((await index.nearest(p, embedText('the capital city of france', DIMS), 0.3))?.id).toBe('live');
    });
  });
}

describe('Durable Object index capacity', () => {
  it('evicts the least recently used vector at its cap', async () => {
    const p = partition();
    const stub = env.SEMANTIC_INDEX.get(env.SEMANTIC_INDEX.idFromName(p));
    const index = durableObjectIndex(env.SEMANTIC_INDEX, 3);
    await index.put(p, answer('a', 'alpha one'));
    await index.put(p, answer('b', 'bravo two'));
    await index.put(p, answer('c', 'charlie three'));
    // A hit on "a" makes "b" the least recently used.
    expect((await index.nearest(p, embedText('alpha one', DIMS), 0.9))?.id).toBe('a');
    await index.put(p, answer('d', 'delta four'));
    expect(await stub.ids()).toEqual(['c', 'a', 'd']);
    expect(await index.nearest(p, embedText('bravo two', DIMS), 0.9)).toBeUndefined();
    await index.put(p, answer('e', 'echo five'));
    expect(await stub.ids()).toEqual(['a', 'd', 'e']);
  });

  it('reloads its vectors and use order from SQLite when the object starts again', async () => {
    const p = partition();
    const index = durableObjectIndex(env.SEMANTIC_INDEX, 2);
    await index.put(p, answer('a', 'alpha one'));
    await index.put(p, answer('b', 'bravo two'));
    expect((await index.nearest(p, embedText('alpha one', DIMS), 0.9))?.id).toBe('a');
    const stub = env.SEMANTIC_INDEX.get(env.SEMANTIC_INDEX.idFromName(p));
    // A fresh instance over the same storage is what an evicted object comes back as.
    const reloaded = await runInDurableObject(stub, async (_instance, state) => {
      const fresh = new SemanticIndex(state, env);
      const found = await fresh.nearest(embedText('bravo two', DIMS), 0.9);
      await fresh.put(answer('c', 'charlie three'), 2);
      return { found: found?.id, ids: await fresh.ids() };
    });
    // "b" was touched by the hit inside the fresh instance, so "a" was the one evicted.
    expect(reloaded).toEqual({ found: 'b', ids: ['b', 'c'] });
  });
});

describe('Durable Object index memory bound', () => {
  it('holds no more vectors than fit in MAX_INDEX_FLOATS, whatever maxEntries says', () => {
    expect(entryLimit(100_000, 768)).toBe(Math.floor(MAX_INDEX_FLOATS / 768));
    expect(entryLimit(100_000, 1536)).toBe(Math.floor(MAX_INDEX_FLOATS / 1536));
    expect(entryLimit(1000, 768)).toBe(1000);
    expect(entryLimit(5, MAX_INDEX_FLOATS * 2)).toBe(1);
  });

  it('trims what it reloads to the bound, least recently used first', async () => {
    const p = partition();
    const stub = env.SEMANTIC_INDEX.get(env.SEMANTIC_INDEX.idFromName(p));
    // Vectors of 400,000 components (1.6 MB, under SQLite's 2 MB value limit): 20 fit in the bound.
    const dims = 400_000;
    const fit = entryLimit(Number.MAX_SAFE_INTEGER, dims);
    expect(fit).toBe(20);
    const ids = await runInDurableObject(stub, async (_instance, state) => {
      // Rows stored under an older, larger bound.
      state.storage.sql.exec(`CREATE TABLE IF NOT EXISTS entries (
        id TEXT PRIMARY KEY, vector BLOB NOT NULL, key TEXT NOT NULL,
        expires_at INTEGER NOT NULL, used_at INTEGER NOT NULL)`);
      const blob = new Float32Array(dims).buffer;
      for (let n = 0; n <= fit; n++) {
        state.storage.sql.exec(
          'INSERT INTO entries VALUES (?, ?, ?, ?, ?)',
          `r${n}`,
          blob,
          `k${n}`,
          Date.now() + HOUR,
          n + 1,
        );
      }
      return new SemanticIndex(state, env).ids();
    });
    expect(ids).toHaveLength(fit);
    expect(ids).not.toContain('r0'); // the least recently used
  });
});

describe('Vectorize backend specifics', () => {
  it('queries with a partition filter and full metadata', async () => {
    const standIn = new VectorizeStandIn(DIMS, ['partition']);
    const index = vectorizeIndex(standIn);
    await index.nearest('p1', embedText('x', DIMS), 0.9);
    expect(standIn.queries[0]).toMatchObject({ filter: { partition: 'p1' }, returnMetadata: 'all' });
  });

  it('misses an answer written a moment ago, until Vectorize has applied the write', async () => {
    const standIn = new VectorizeStandIn(DIMS, ['partition']);
    const index = vectorizeIndex(standIn);
    await index.put('p', answer('a', 'the capital city of france'));
    expect(await index.nearest('p', embedText('the capital city of france', DIMS), 0.9)).toBeUndefined();
    standIn.flush();
    expect((await index.nearest('p', embedText('the capital city of france', DIMS), 0.9))?.id).toBe('a');
  });

  it('finds nothing when the partition has no metadata index (the deploy step creates it)', async () => {
    const standIn = new VectorizeStandIn(DIMS, []);
    const index = vectorizeIndex(standIn);
    await index.put('p', answer('a', 'the capital city of france'));
    standIn.flush();
    expect(await index.nearest('p', embedText('the capital city of france', DIMS), 0.5)).toBeUndefined();
  });
});

describe('semantic cache through the Worker with a Vectorize binding', () => {
  it('stores answers in Vectorize (not the Durable Object) and hits a paraphrase', async () => {
    const config = openaiConfig({
      cache: { semantic: { enabled: true, embedding: { provider: 'mock', model: 'e' } } },
    });
    expect((await putConfig(config)).status).toBe(200);
    const { key } = await createKey();
    const calls = upstream(() => 'Paris.');
    const standIn = new VectorizeStandIn(DIMS, ['partition']);
    const withVectorize = { ...env, VECTORIZE: standIn as unknown as Vectorize };
    const send = async (text: string) => {
      const ctx = createExecutionContext();
      const response = await worker.fetch!(
        new Request('https://gateway.test/v1/chat/completions', {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt', messages: [{ role: 'user', content: text }] }),
        }) as Request<unknown, IncomingRequestCfProperties>,
        withVectorize,
        ctx,
      );
      const body = await response.json<Json>();
      await waitOnExecutionContext(ctx);
      return { response, body };
    };
    const question = 'please tell me what the capital city of france is in a single short sentence';
    const first = await send(question);
    expect(first.response.headers.get('x-tollgate-cache')).toBe('miss');
    expect((await standIn.describe()).vectorCount).toBe(0); // written, not yet applied
    expect((await send(`${question} now`)).response.headers.get('x-tollgate-cache')).toBe('miss');
    standIn.flush();
    const hit = await send(`${question} thanks`);
    expect(hit.response.headers.get('x-tollgate-cache')).toBe('hit-semantic');
    expect(hit.body.choices[0].message.content).toBe('Paris.');
    expect(calls()).toBe(2);
    expect(standIn.queries.every((q) => typeof q.filter?.partition === 'string')).toBe(true);
  });
});

describe('a Vectorize index the embedding model does not fit', () => {
  it('is a cache miss, never a failed request: its query and upsert errors are only logged', async () => {
    const config = openaiConfig({
      cache: { semantic: { enabled: true, embedding: { provider: 'mock', model: 'e' } } },
    });
    expect((await putConfig(config)).status).toBe(200);
    const { key } = await createKey();
    const calls = upstream(() => 'Paris.');
    // Created for another model: Vectorize refuses every query and upsert of these vectors.
    const standIn = new VectorizeStandIn(DIMS + 1, ['partition']);
    const send = async (text: string) => {
      const ctx = createExecutionContext();
      const response = await worker.fetch!(
        new Request('https://gateway.test/v1/chat/completions', {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt', messages: [{ role: 'user', content: text }] }),
        }) as Request<unknown, IncomingRequestCfProperties>,
        { ...env, VECTORIZE: standIn as unknown as Vectorize },
        ctx,
      );
      await waitOnExecutionContext(ctx);
      return response;
    };
    for (const text of ['what is the capital of france', 'what is the capital of france please']) {
      const response = await send(text);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-tollgate-cache')).toBe('miss');
    }
    standIn.flush();
    expect((await standIn.describe()).vectorCount).toBe(0);
    expect(calls()).toBe(2);
  });
});
