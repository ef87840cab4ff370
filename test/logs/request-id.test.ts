import { describe, expect, it } from 'vitest';
import { admin, chat, createKey, type Json, OPENAI_URL, openaiConfig, putConfig } from '../helpers/gateway';
import { chatCompletion, json, onUpstream } from '../helpers/upstream';
import { countRows, waitForRows } from './helpers';

// Output tokens cost $2,000 per million: max_tokens 100 reserves $0.20; an answer of 50 tokens costs $0.10.
const config = openaiConfig({
  retry: { attempts: 0 },
  pricing: { 'openai/gpt-4o-mini': { inputPerMTok: 0, outputPerMTok: 2000 } },
});
const ask = (content: string) => ({ model: 'gpt', max_tokens: 100, messages: [{ role: 'user', content }] });
const completion = chatCompletion('ok', { prompt_tokens: 5, completion_tokens: 50, total_tokens: 55 });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An upstream that holds every prompt "hold" until released, and answers the rest at once. Plain
 * flags, polled: a promise resolved from the test's request context would never wake the Worker's.
 */
function heldUpstream() {
  const state = { arrived: false, released: false };
  onUpstream(`${OPENAI_URL}/chat/completions`, async (request) => {
    const body = (await request.json()) as { messages: { content: string }[] };
    if (body.messages[0]?.content === 'hold') {
      state.arrived = true;
      while (!state.released) await sleep(10);
    }
    return json(completion);
  });
  return {
    async holding() {
      while (!state.arrived) await sleep(10);
    },
    release() {
      state.released = true;
    },
  };
}

async function usageOf(keyId: string, settled: (usage: Json) => boolean): Promise<Json> {
  for (let i = 0; i < 100; i++) {
    const { usage } = await (await admin(`/admin/keys/${keyId}`)).json<Json>();
    if (settled(usage)) return usage;
    await sleep(20);
  }
  throw new Error('the budget never settled');
}

const serverId = (response: Response) => response.headers.get('x-tollgate-request-id')!;

describe('request ids', () => {
  it('keys reservations and log rows by the server id, whatever x-request-id a client repeats', async () => {
    expect((await putConfig(config)).status).toBe(200);
    const upstream = heldUpstream();
    // Room for two reservations at once ($0.40), not for one held open beside another and a charge.
    const { id, key } = await createKey({ budget: { usd: 0.45, period: 'total' } });
    const same = { 'x-request-id': 'dup-1' };

    const held = chat(key, ask('hold'), same);
    await upstream.holding();
    const quick = await chat(key, ask('quick'), same);
    expect(quick.status).toBe(200);
    // The quick one settled at $0.10; the held one's $0.20 reservation must survive that settle.
    const usage = await usageOf(id, (u) => u.spendUsd > 0);
    expect(usage.spendUsd).toBeCloseTo(0.1, 10);
    expect(usage.reservedUsd).toBeCloseTo(0.2, 10);
    // $0.10 spent + $0.20 held + $0.20 more > $0.45: refused, although the client reused the id.
    const third = await chat(key, ask('third'), same);
    expect(third.status).toBe(402);
    expect((await third.json<Json>()).error).toMatchObject({
      code: 'budget_exceeded',
      type: 'insufficient_quota',
    });
    upstream.release();
    const first = await held;
    expect(first.status).toBe(200);
    await first.text();
    expect((await usageOf(id, (u) => u.reservedUsd === 0)).spendUsd).toBeCloseTo(0.2, 10);

    const responses = [first, quick, third];
    for (const response of responses) {
      expect(response.headers.get('x-request-id')).toBe('dup-1');
      expect(serverId(response)).toMatch(/^req_[\w-]{16}$/);
    }
    const ids = responses.map(serverId);
    expect(new Set(ids).size).toBe(3);
    // One row each, under the server's id, with the client's id beside it.
    const rows = await waitForRows(ids, 8000, 'id');
    expect(ids.map((i) => rows.get(i)!.status)).toEqual([200, 200, 402]);
    for (const row of rows.values()) expect(row).toMatchObject({ clientRequestId: 'dup-1', keyId: id });
    expect(await countRows('client_request_id = ?', 'dup-1')).toBe(3);

    // /admin/logs?requestId= matches either id; the rows show the client's.
    const byClient = await (await admin('/admin/logs?requestId=dup-1')).json<Json>();
    expect(byClient.data.map((row: Json) => row.id).sort()).toEqual([...ids].sort());
    expect(byClient.data.every((row: Json) => row.clientRequestId === 'dup-1')).toBe(true);
    const byServer = await (await admin(`/admin/logs?requestId=${ids[1]}`)).json<Json>();
    expect(byServer.data.map((row: Json) => row.id)).toEqual([ids[1]]);
    const detail = await (await admin(`/admin/logs/${ids[0]}`)).json<Json>();
    expect(detail).toMatchObject({ id: ids[0], clientRequestId: 'dup-1', status: 200 });
  });

  it('refuses a second worst case beside a held one even under the same x-request-id', async () => {
    expect((await putConfig(config)).status).toBe(200);
    const upstream = heldUpstream();
    const { key } = await createKey({ budget: { usd: 0.3, period: 'total' } });
    const held = chat(key, ask('hold'), { 'x-request-id': 'dup-2' });
    await upstream.holding();
    const second = await chat(key, ask('again'), { 'x-request-id': 'dup-2' });
    expect(second.status).toBe(402);
    expect((await second.json<Json>()).error.code).toBe('budget_exceeded');
    upstream.release();
    expect((await held).status).toBe(200);
  });

  it('generates the id a malformed x-request-id would have named, and keeps no client id', async () => {
    expect((await putConfig(config)).status).toBe(200);
    const { key } = await createKey();
    const response = await chat(
      key,
      { ...ask('x'), model: 'nope' },
      { 'x-request-id': 'bad id with spaces' },
    );
    expect(response.status).toBe(404);
    const id = serverId(response);
    expect(response.headers.get('x-request-id')).toBe(id);
    const row = (await waitForRows([id], 8000, 'id')).get(id)!;
    expect(row).toMatchObject({ status: 404, clientRequestId: null });
    const invalid = await admin('/admin/logs?requestId=');
    expect(invalid.status).toBe(400);
    expect((await invalid.json<Json>()).error).toMatchObject({
      param: 'requestId',
      type: 'invalid_request_error',
    });
  });
});
