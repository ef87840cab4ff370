import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { sweepExpiredVectors } from '../../src/cache/vector-sweep';
import { vectorizeIndex } from '../../src/cache/vectorize-index';
import worker from '../../src/index';
import { embedText } from '../../src/providers/mock';
import { createKey, openaiConfig, putConfig } from '../helpers/gateway';
import { upstream } from './harness';
import { VectorizeStandIn } from './vectorize-stand-in';

const DIMS = 64;
const id = () => crypto.randomUUID().replaceAll('-', '');

async function noted(ids: string[]): Promise<Map<string, number>> {
  const { results } = await env.DB.prepare(
    'SELECT id, expires_at FROM semantic_vectors WHERE id IN (SELECT value FROM json_each(?))',
  )
    .bind(JSON.stringify(ids))
    .all<{ id: string; expires_at: number }>();
  return new Map(results.map((row) => [row.id, row.expires_at]));
}

describe('sweeping expired vectors from Vectorize', () => {
  it('notes each stored vector with its expiry, and deletes the expired ones from the index and D1', async () => {
    const standIn = new VectorizeStandIn(DIMS, ['partition']);
    const index = vectorizeIndex(standIn, Date.now, env.DB);
    const now = Date.now();
    const [old, older, live] = [id(), id(), id()];
    for (const [vectorId, expiresAt] of [
      [old, now - 1_000],
      [older, now - 60_000],
      [live, now + 3_600_000],
    ] as const) {
      await index.put('p', {
        id: vectorId,
        vector: embedText(vectorId, DIMS),
        key: `k:${vectorId}`,
        expiresAt,
      });
    }
    standIn.flush();
    expect((await noted([old, older, live])).get(live)).toBe(now + 3_600_000);

    expect(await sweepExpiredVectors({ DB: env.DB, VECTORIZE: standIn as unknown as Vectorize }, now)).toBe(
      2,
    );
    standIn.flush();
    expect((await standIn.getByIds([old, older, live])).map((v) => v.id)).toEqual([live]);
    expect([...(await noted([old, older, live])).keys()]).toEqual([live]);
  });

  it('keeps a vector stored again with a later expiry', async () => {
    const standIn = new VectorizeStandIn(DIMS, ['partition']);
    const index = vectorizeIndex(standIn, Date.now, env.DB);
    const now = Date.now();
    const again = id();
    const put = (expiresAt: number) =>
      index.put('p', { id: again, vector: embedText('x', DIMS), key: 'k', expiresAt });
    await put(now - 1_000);
    await put(now + 60_000);
    standIn.flush();
    await sweepExpiredVectors({ DB: env.DB, VECTORIZE: standIn as unknown as Vectorize }, now);
    standIn.flush();
    expect(await standIn.getByIds([again])).toHaveLength(1);
    expect((await noted([again])).get(again)).toBe(now + 60_000);
  });

  it('does nothing without Vectorize (the Durable Object index evicts on its own)', async () => {
    const db = { prepare: () => expect.fail('no D1 call without Vectorize') } as unknown as D1Database;
    expect(await sweepExpiredVectors({ DB: db }, Date.now())).toBe(0);
  });

  it('runs from the hourly cron on what the semantic cache stored through the Worker', async () => {
    const config = openaiConfig({
      cache: {
        semantic: { enabled: true, embedding: { provider: 'mock', model: 'e' } },
        exact: { ttlSeconds: 60 },
      },
    });
    expect((await putConfig(config)).status).toBe(200);
    const { key } = await createKey();
    upstream(() => 'Paris.');
    const standIn = new VectorizeStandIn(256, ['partition']);
    const withVectorize = { ...env, VECTORIZE: standIn as unknown as Vectorize };
    const ctx = createExecutionContext();
    const response = await worker.fetch!(
      new Request('https://gateway.test/v1/chat/completions', {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'gpt',
          messages: [{ role: 'user', content: 'what is the capital city of france, in one short sentence' }],
        }),
      }) as Request<unknown, IncomingRequestCfProperties>,
      withVectorize,
      ctx,
    );
    expect(response.headers.get('x-tollgate-cache')).toBe('miss');
    await response.text();
    await waitOnExecutionContext(ctx);
    standIn.flush();
    expect((await standIn.describe()).vectorCount).toBe(1);

    // An hour on, the answer (60 s) has expired: the cron deletes its vector.
    const later = Date.now() + 3_600_000;
    await worker.scheduled!(
      createScheduledController({ scheduledTime: later, cron: '7 * * * *' }),
      withVectorize,
      createExecutionContext(),
    );
    standIn.flush();
    expect((await standIn.describe()).vectorCount).toBe(0);
  });
});
