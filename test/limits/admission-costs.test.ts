// What a request reserves against a budget: its worst case on the route as the key sees it.

import { afterEach, describe, expect, it } from 'vitest';
import { refusal } from '../../src/limits/refusal';
import {
  admin,
  call,
  chat,
  createKey,
  type Json,
  OPENAI_URL,
  openaiConfig,
  putConfig,
  timeoutFailoverConfig,
} from '../helpers/gateway';
import { settled } from '../helpers/settled';
import { chatCompletion, json, onUpstream } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';

const words = 'one two three four five six seven eight';
const ask = (model: string) => ({ model, max_tokens: 10, messages: [{ role: 'user', content: words }] });

/** The key's usage once every reservation is settled. */
async function usageOf(id: string): Promise<Json> {
  for (let i = 0; i < 100; i++) {
    await settled();
    const body = await (await admin(`/admin/keys/${id}`)).json<Json>();
    if (body.usage.reservedUsd === 0) return body.usage;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('still reserved');
}

// `fast` costs $1 per million output tokens; the key's pin sends it to $30,000: $0.30 a request.
const pinned = (cheap: Record<string, number> | null) => ({
  providers: { mock: { type: 'mock' } },
  models: { fast: { targets: [{ provider: 'mock', model: 'cheap' }] } },
  pricing: {
    ...(cheap ? { 'mock/cheap': cheap } : {}),
    'mock/dear': { inputPerMTok: 0, outputPerMTok: 30_000 },
  },
});
const pin = { pin: { fast: { targets: [{ provider: 'mock', model: 'dear' }] } } };

describe('worst cases on the route the key sees', () => {
  // Revoked after each test, as later tests store configs without `fast`, which the admin API
  // refuses while a live key pins it (src/keys/pins-in-use.ts).
  const pinnedKeys: string[] = [];
  afterEach(async () => {
    for (const id of pinnedKeys.splice(0))
      expect((await admin(`/admin/keys/${id}`, 'DELETE')).status).toBe(200);
  });

  it('holds a key whose pin sends a cheap alias to a dear model to its budget, at once and in a burst', async () => {
    expect((await putConfig(pinned({ inputPerMTok: 0, outputPerMTok: 1 }))).status).toBe(200);
    const { id, key } = await createKey({ budget: { usd: 1, period: 'month' }, routing: pin });
    pinnedKeys.push(id);
    const responses = await Promise.all(Array.from({ length: 20 }, () => chat(key, ask('fast'))));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 402)).toHaveLength(17);
    expect((await usageOf(id)).spendUsd).toBe(0.9);
  });

  it('charges a pin from a free alias to a priced model (nothing was reserved, so nothing was settled)', async () => {
    expect((await putConfig(pinned(null))).status).toBe(200); // the mock's own models are free
    const { id, key } = await createKey({ budget: { usd: 1, period: 'month' }, routing: pin });
    pinnedKeys.push(id);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await chat(key, ask('fast'))).status);
    expect(statuses).toEqual([200, 200, 200, 402, 402]);
    expect((await usageOf(id)).spendUsd).toBe(0.9);
  });

  it("tops up the team's reservation when the pin shows, and gives everything back when that is refused", async () => {
    expect((await putConfig(pinned({ inputPerMTok: 0, outputPerMTok: 1 }))).status).toBe(200);
    const team = await (
      await admin('/admin/teams', 'POST', { name: 'pinned', budget: { usd: 0.2, period: 'month' } })
    ).json<Json>();
    const { id, key } = await createKey({ team: team.id, routing: pin, limits: { rpm: 3 } });
    pinnedKeys.push(id);
    // Admitted on the config's cheap route, then topped up by the pinned worst case: refused.
    const refused = await chat(key, ask('fast'));
    expect(refused.status).toBe(402);
    expect((await refused.json<Json>()).error.code).toBe('budget_exceeded');
    await usageOf(id);
    // Its request slot came back, and the team holds nothing for it.
    const read = await (await admin(`/admin/keys/${id}`)).json<Json>();
    expect(read.usage.rpm.remaining).toBe(3);
    const teamRead = await (await admin(`/admin/teams/${team.id}`)).json<Json>();
    expect(teamRead.usage).toMatchObject({ spendUsd: 0, reservedUsd: 0 });
  });

  it('never lets a model named like an Object.prototype member switch a budget off', async () => {
    expect((await putConfig(pinned(null))).status).toBe(200);
    const { id, key } = await createKey({ budget: { usd: 1, period: 'month' } });
    // Priced as an unknown model (it exists nowhere): reserved and settled like any other.
    expect((await chat(key, ask('mock/constructor'))).status).toBe(200);
    const responses = await Promise.all(Array.from({ length: 20 }, () => chat(key, ask('mock/dear'))));
    expect(responses.filter((r) => r.status === 200)).toHaveLength(3);
    const usage = await usageOf(id);
    expect(usage.spendUsd).toBeCloseTo(0.9, 6);
  });
});

describe('a refusal for the budget', () => {
  it('tells its figures precisely enough to add up (never "up to $0.0001, more than the $0.0001 left")', async () => {
    // 10 output tokens at $12.3456789 per million: $0.000123456789 at most; the budget is $0.0001.
    const config = pinned({ inputPerMTok: 0, outputPerMTok: 12.3456789 });
    expect((await putConfig(config)).status).toBe(200);
    const { key } = await createKey({ budget: { usd: 0.0001, period: 'month' } });
    const refused = await chat(key, ask('fast'));
    expect(refused.status).toBe(402);
    const { message } = (await refused.json<Json>()).error;
    expect(message).toContain('could cost up to $0.00012346, more than what is left of');
    expect(message).toContain("this key's $0.0001 budget (spent $0, $0 reserved");
  });

  it('says a budget is used up, not that a free request "could cost up to $0, more than what is left"', () => {
    // Spend past the cap (a timed-out attempt's prompt, say) refuses every request, free ones too.
    const result = {
      ok: false as const,
      reason: 'budget_exceeded' as const,
      budgetUsd: 0.05,
      spentUsd: 0.062,
      reservedUsd: 0,
      leasedUsd: 0,
      resetAt: null,
    };
    const error = refusal(result, { model: 'fast', costUsd: 0 }, 'team', undefined);
    expect(error.status).toBe(402);
    expect(error.code).toBe('budget_exceeded');
    expect(error.message).toBe(
      "Budget exceeded: this key's team's $0.05 budget is used up (spent $0.062, $0 reserved by requests in flight). Raise the budget.",
    );
    expect(error.message).not.toContain('could cost up to $0,');
  });
});

describe('attempts the gateway timed out', () => {
  it('charges the prompt of an attempt it timed out before failing over, as when a client leaves', async () => {
    const config = timeoutFailoverConfig({
      pricing: { 'openai/gpt-4o-mini': { inputPerMTok: 1000, outputPerMTok: 1000 } },
    });
    expect((await putConfig(config)).status).toBe(200);
    const { id, key } = await createKey({ budget: { usd: 10, period: 'month' } });
    onUpstream(`${OPENAI_URL}/chat/completions`, async (request) => {
      // The provider works on it (and may bill it) past the gateway's requestMs.
      await new Promise((resolve) => setTimeout(resolve, 300));
      if (request.signal.aborted) throw request.signal.reason;
      return json({});
    });
    const response = await chat(key, {
      model: 'gpt',
      messages: [{ role: 'user', content: 'a prompt of some length' }],
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('mock');
    // The mock is free: all of the spend is the timed-out prompt, at $1,000 per million tokens.
    const spent = (await usageOf(id)).spendUsd;
    expect(spent).toBeGreaterThan(0.005);
    expect(spent).toBeLessThan(0.05);
    // The log row counts that prompt as input beside the answer's, so its tokens and cost agree.
    const served = (await response.json<Json>()).usage.prompt_tokens as number;
    const requestId = response.headers.get('x-request-id')!;
    const row = (await waitForRows([requestId], 8000, 'id')).get(requestId)!;
    expect(row.costUsd).toBeCloseTo(spent, 10);
    expect(row.inputTokens).toBeGreaterThan(served);
    expect(row.costUsd).toBeCloseTo(((row.inputTokens - served) * 1000) / 1e6, 10);
  });
  it('counts that prompt against the TPM limit too, as its log row does', async () => {
    const config = timeoutFailoverConfig();
    expect((await putConfig(config)).status).toBe(200);
    // 6,000 a minute refills 100 a second: far less than the ~1,000-token prompt over this test.
    const { id, key } = await createKey({ limits: { tpm: 6000 } });
    onUpstream(`${OPENAI_URL}/chat/completions`, async (request) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      if (request.signal.aborted) throw request.signal.reason;
      return json({});
    });
    const response = await chat(key, {
      model: 'gpt',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'word '.repeat(800) }],
    });
    expect(response.status).toBe(200);
    const { usage } = await response.json<Json>();
    const answered = usage.prompt_tokens + usage.completion_tokens;
    await settled();
    const read = await (await admin(`/admin/keys/${id}`)).json<Json>();
    // Charged the answer and the timed-out attempt's prompt (less what refilled meanwhile).
    expect(6000 - read.usage.tpm.remaining).toBeGreaterThan(answered + usage.prompt_tokens - 300);
  });
});

describe("a request's life within its reservation's", () => {
  it('ends a stream that would outlive its budget reservation (else spend could pass the budget)', async () => {
    const config = {
      providers: { mock: { type: 'mock', latencyMs: 1_000 } },
      models: { slow: { targets: [{ provider: 'mock', model: 'mock-1' }] } },
      pricing: { 'mock/mock-1': { inputPerMTok: 0, outputPerMTok: 1 } },
      limits: { reservationTtlMs: 10_000 },
    };
    expect((await putConfig(config)).status).toBe(200);
    const { id, key } = await createKey({ budget: { usd: 1, period: 'month' } });
    const started = Date.now();
    // About 20 chunks a second apart: 20 s, but the reservation lasts 10 s.
    const response = await chat(key, {
      model: 'slow',
      stream: true,
      messages: [{ role: 'user', content: `${words} ${words}` }],
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    const elapsed = Date.now() - started;
    expect(text).toContain('"stream_time_limit"');
    // It names what set the limit: the reservation, not timeouts.streamMaxMs (unset here).
    expect(text).toContain('limits.reservationTtlMs');
    expect(text).not.toContain('timeouts.streamMaxMs');
    expect(elapsed).toBeGreaterThanOrEqual(8_500);
    expect(elapsed).toBeLessThan(10_000);
    expect((await usageOf(id)).reservedUsd).toBe(0); // settled while still reserved
  }, 30_000);
});

describe('files sent by file_id', () => {
  // $10 per million input tokens: a file's 30,000-token allowance is $0.30, more than the $0.25 budget.
  const config = (limits: Record<string, unknown> = {}) =>
    openaiConfig({ pricing: { 'openai/gpt-4o-mini': { inputPerMTok: 10, outputPerMTok: 0 } }, limits });
  const withFile = (file: Json) => ({
    model: 'gpt',
    max_tokens: 10,
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Summarise this.' }, file] }],
  });
  const answer = () =>
    onUpstream(`${OPENAI_URL}/chat/completions`, () =>
      json(chatCompletion('ok', { prompt_tokens: 20, completion_tokens: 1, total_tokens: 21 })),
    );

  it('reserves a per-file allowance for each, so an unseen PDF cannot pass the budget for free', async () => {
    expect((await putConfig(config())).status).toBe(200);
    answer();
    const { key } = await createKey({ budget: { usd: 0.25, period: 'month' } });
    const refused = await chat(key, withFile({ type: 'file', file: { file_id: 'file-abc123' } }));
    expect(refused.status).toBe(402);
    const { error } = await refused.json<Json>();
    expect(error.code).toBe('budget_exceeded');
    expect(error.message).toContain('could cost up to $0.3');
    // The same question with no file fits.
    const plain = await chat(key, { ...ask('gpt'), max_tokens: 10 });
    expect(plain.status).toBe(200);
  });

  const responses = (key: string, part: Json) =>
    call('/v1/responses', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt',
        max_output_tokens: 10,
        input: [{ role: 'user', content: [{ type: 'input_text', text: 'Summarise this.' }, part] }],
      }),
    });

  it('counts a Responses input_file by file_id the same way', async () => {
    expect((await putConfig(config())).status).toBe(200);
    answer();
    const { key } = await createKey({ budget: { usd: 0.25, period: 'month' } });
    const response = await responses(key, { type: 'input_file', file_id: 'file-abc123' });
    expect(response.status).toBe(402);
    expect((await response.json<Json>()).error.code).toBe('budget_exceeded');
  });

  it('reserves a Responses input_image by file_id as an image (765 tokens), not as a file', async () => {
    // The chat body carries it as a file part (chat takes no image by id): reserved as one, it
    // cost $0.30 here, refused by this $0.25 budget; as a remote image would be, it costs $0.008.
    expect((await putConfig(config())).status).toBe(200);
    answer();
    const { key } = await createKey({ budget: { usd: 0.25, period: 'month' } });
    const response = await responses(key, { type: 'input_image', file_id: 'file-abc123' });
    expect(response.status, await response.clone().text()).toBe(200);
    // A TPM limit sees the same: 765 tokens and the answer's cap fit in 2,000, 30,000 never would.
    const { key: small } = await createKey({ limits: { tpm: 2_000 } });
    expect((await responses(small, { type: 'input_image', file_id: 'file-abc123' })).status).toBe(200);
    expect((await responses(small, { type: 'input_file', file_id: 'file-abc123' })).status).toBe(429);
  });

  it('reserves what limits.fileIdTokens says', async () => {
    expect((await putConfig(config({ fileIdTokens: 1000 }))).status).toBe(200);
    answer();
    const { key } = await createKey({ budget: { usd: 0.25, period: 'month' } });
    const response = await chat(key, withFile({ type: 'file', file: { file_id: 'file-abc123' } }));
    expect(response.status).toBe(200);
  });
});

describe('a timed-out attempt of a request with a file sent by file_id', () => {
  it('is charged the prompt the answer reported, not the file allowance the estimate reserved', async () => {
    const config = openaiConfig({
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
      timeouts: { requestMs: 150 },
      pricing: { 'openai/gpt-4o-mini': { inputPerMTok: 1000, outputPerMTok: 0 } },
    });
    expect((await putConfig(config)).status).toBe(200);
    const { key } = await createKey({ budget: { usd: 100, period: 'month' } });
    let calls = 0;
    onUpstream(`${OPENAI_URL}/chat/completions`, async (request) => {
      // The first try outlasts requestMs; the retry answers at once.
      if (++calls === 1) {
        await new Promise((resolve) => setTimeout(resolve, 400));
        if (request.signal.aborted) throw request.signal.reason;
      }
      return json(chatCompletion('ok', { prompt_tokens: 1_500, completion_tokens: 1, total_tokens: 1_501 }));
    });
    const response = await chat(key, {
      model: 'gpt',
      max_tokens: 10,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Summarise this.' },
            { type: 'file', file: { file_id: 'file-abc123' } },
          ],
        },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-attempts')).toBe('2');
    const requestId = response.headers.get('x-request-id')!;
    const row = (await waitForRows([requestId], 8000, 'id')).get(requestId)!;
    // The provider had the same prompt twice: 1,500 tokens each time, not 1,500 plus the 30,000
    // reserved for a file whose size the gateway could not see.
    expect(row.inputTokens).toBe(3_000);
    expect(row.costUsd).toBeCloseTo((3_000 * 1000) / 1e6, 10);
  });
});
