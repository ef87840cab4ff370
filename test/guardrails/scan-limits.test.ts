// The custom-pattern limits end to end: what PUT /admin/config refuses, and the per-request scan
// budget that fails a request closed (413) instead of burning CPU (src/guardrails/regex/budget.ts).
import { describe, expect, it } from 'vitest';
import { admin, chat, type Json, openaiConfig, putConfig } from '../helpers/gateway';
import { expectOpenAIShape } from '../helpers/openapi';
import { json, onUpstream, recorded, sse } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';
import { CHAT_URL, chunk, completion, guardedKey } from './helpers';

const PII = { name: 'pii', detect: ['email'], action: 'redact' };
const answer = completion('ok');

async function refused(response: Response, param: string, ...reasons: string[]): Promise<void> {
  expect(response.status).toBe(400);
  const body = await response.json<Json>();
  expectOpenAIShape('ErrorResponse', body);
  expect(body.error.type).toBe('invalid_request_error');
  expect(body.error.param).toBe(param);
  for (const reason of reasons) expect(body.error.message).toContain(reason);
}

const keyWith = (guardrails: unknown[]) => guardedKey(guardrails);

const ask = (content: string) => ({ model: 'gpt', messages: [{ role: 'user', content }] });

describe('custom pattern limits at config time', () => {
  it('refuses a pattern over the repetition, size or cost limit with a 400 naming the rule and the limit', async () => {
    const cases: [string, string][] = [
      ['\\w{1,1000}@', 'counted repetition above 100'],
      ['(?:\\w{1,100}){6}@', 'more than 1000 instructions'],
      ['(?:(?:x?){20}){4}y', 'more than 2000 matcher steps per character'],
    ];
    for (const [pattern, reason] of cases) {
      const response = await putConfig(
        openaiConfig({ guardrails: [PII, { name: 'costly', pattern, action: 'block' }] }),
      );
      await refused(response, 'guardrails[1].pattern', "rule 'costly'", reason);
    }
    // The largest of each kind that is allowed.
    const ok = await putConfig(
      openaiConfig({
        guardrails: [PII, { name: 'fine', pattern: '\\w{1,100}@(?:\\w{1,100}\\.){2}', action: 'block' }],
      }),
    );
    expect(ok.status, await ok.clone().text()).toBe(200);
  });

  it('caps the instructions of all patterns together, at PUT /admin/config and PUT /admin/guardrails', async () => {
    // Each compiles to 798 instructions: twelve fit in the 10,000 total, the thirteenth does not.
    const rules = Array.from({ length: 13 }, (_, i) => ({
      name: `p${i}`,
      pattern: '(?:\\w{1,100}){4}@',
      action: 'flag',
    }));
    expect((await putConfig(openaiConfig({ guardrails: [PII, ...rules.slice(0, 12)] }))).status).toBe(200);
    await refused(
      await putConfig(openaiConfig({ guardrails: [PII, ...rules] })),
      'guardrails[13].pattern',
      "rule 'p12'",
      'more than 10000 instructions',
    );
    await refused(await admin('/admin/guardrails', 'PUT', rules), 'guardrails[12].pattern', '10000');
    // The refused lists changed nothing: pii and the twelve rules are still the config's.
    const current = await (await admin('/admin/guardrails')).json<Json>();
    expect(current.data).toHaveLength(13);
  });
});

describe('the per-request scan budget', () => {
  it('fails a prompt closed with 413 when its patterns together would pass the budget', async () => {
    onUpstream(CHAT_URL, () => json(answer));
    // Each rule alone spends ~60 million steps on this prompt (~300 per character), within the
    // 100 million budget; the two together need ~120 million, so the request is refused.
    const prompt = 'a'.repeat(200_000);
    const at = { name: 'at', pattern: '\\w{1,100}@', action: 'block' };
    const hash = { name: 'hash', pattern: '[a-z]{1,100}#', action: 'flag' };
    const alone = await keyWith([at]);
    expect((await chat(alone, ask(prompt))).status).toBe(200);
    expect(recorded).toHaveLength(1);

    const both = await keyWith([at, hash]);
    const response = await chat(both, ask(prompt));
    expect(response.status).toBe(413);
    const body = await response.json<Json>();
    expectOpenAIShape('ErrorResponse', body);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'request_too_large' });
    expect(body.error.message).toContain('guardrail patterns');
    expect(recorded).toHaveLength(1); // nothing more went upstream
  });

  it('never logs the prompt it could not scan in full, not even for a key that logs bodies', async () => {
    const rules = [
      { name: 'pii', detect: ['email', 'credit_card'], action: 'redact' },
      { name: 'at', pattern: '\\w{1,100}@', action: 'block' },
    ];
    const key = await guardedKey(rules, { logBodies: true }, { limits: { guardrailScanSteps: 1_000_000 } });
    onUpstream(CHAT_URL, () => json(answer));
    const content = `my card is 4111 1111 1111 1111, mail jane@example.com ${'a'.repeat(5000)}`;
    const response = await chat(key, ask(content), { 'x-request-id': 'unscanned-413' });
    expect(response.status).toBe(413);
    expect(recorded).toHaveLength(0);
    const row = (await waitForRows(['unscanned-413'])).get('unscanned-413')!;
    expect(row.status).toBe(413);
    expect(row.requestBody).toBeNull();
  });

  it('takes its size from limits.guardrailScanSteps (1 million to 1 billion)', async () => {
    onUpstream(CHAT_URL, () => json(answer));
    const at = { name: 'at', pattern: '\\w{1,100}@', action: 'block' };
    const prompt = 'a'.repeat(20_000); // ~6 million steps: within the default budget
    const roomy = await guardedKey([at]);
    expect((await chat(roomy, ask(prompt))).status).toBe(200);
    const tight = await guardedKey([at], {}, { limits: { guardrailScanSteps: 1_000_000 } });
    const response = await chat(tight, ask(prompt));
    expect(response.status).toBe(413);
    expect((await response.json<Json>()).error.message).toContain('more than 1000000 matcher steps');
    for (const guardrailScanSteps of [999_999, 1_000_000_001]) {
      const bad = await putConfig(openaiConfig({ limits: { guardrailScanSteps } }));
      expect(bad.status).toBe(400);
      expect((await bad.json<Json>()).error.param).toBe('limits.guardrailScanSteps');
    }
  });

  it('ends a streamed answer with a request_too_large event when output scanning runs out of budget', async () => {
    // ~300 steps per character for each rule over a 200 KB answer: together past the budget.
    const piece = 'a'.repeat(20_000);
    onUpstream(CHAT_URL, () =>
      sse([...Array.from({ length: 10 }, () => chunk({ content: piece })), 'data: [DONE]\n\n']),
    );
    const key = await keyWith([
      { name: 'at', pattern: '\\w{1,100}@', action: 'block', scope: 'output' },
      { name: 'hash', pattern: '[a-z]{1,100}#', action: 'flag', scope: 'output' },
    ]);
    const response = await chat(key, { ...ask('hello'), stream: true });
    expect(response.status).toBe(200);
    const events = (await response.text()).split('\n\n').filter(Boolean);
    // The error event ends the answer (no [DONE] after it, as after a block).
    const at = events.findIndex((e) => e.startsWith('data: {"error"'));
    expect(at).toBeGreaterThan(0);
    expect(events.slice(at + 1)).toEqual([]);
    const error = JSON.parse(events[at]!.slice('data: '.length)) as Json;
    expectOpenAIShape('ErrorResponse', error);
    expect(error.error).toMatchObject({ type: 'invalid_request_error', code: 'request_too_large' });
    // Less than the whole answer reached the client.
    const relayed = events
      .slice(0, at)
      .reduce((n, e) => n + String(JSON.parse(e.slice(6)).choices?.[0]?.delta?.content ?? '').length, 0);
    expect(relayed).toBeLessThan(200_000);
  });

  it('scans a 1 MB prompt with ordinary patterns and redacts it', async () => {
    onUpstream(CHAT_URL, () => json(answer));
    const key = await keyWith([
      { name: 'no-internal', pattern: 'project\\s+bluebird', flags: 'i', action: 'block' },
      { name: 'phone', pattern: '\\b\\d{3}-\\d{4}\\b', action: 'redact' },
      { name: 'mail', pattern: '[a-z]+@[a-z]+\\.com', action: 'redact' },
      { name: 'words', pattern: '(?:\\w+\\s?)+zzz', action: 'flag' },
    ]);
    const line = 'Mail alice@example.com or call 555-1234 about project robin, then (a+b) => c.\n';
    const prompt = line.repeat(Math.ceil((1 << 20) / line.length));
    const response = await chat(key, ask(prompt));
    expect(response.status, await response.clone().text()).toBe(200);
    const sent = String((recorded[0]!.body as Json).messages[0].content);
    expect(sent.length).toBeGreaterThan(900_000);
    expect(sent).not.toContain('alice@example.com');
    expect(sent).not.toContain('555-1234');
    expect(sent.startsWith('Mail [MAIL_1] or call [PHONE_1] about project robin')).toBe(true);
  });
});
