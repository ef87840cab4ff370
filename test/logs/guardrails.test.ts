// The log row and guardrails: which rules fired (names, actions, counts — never the matched text),
// and bodies kept as the guardrails left them: a blocked prompt masked, output redactions applied,
// placeholders of restoring rules never put back.
import { describe, expect, it } from 'vitest';
import { CHAT_URL, chunk, completion, guardedKey } from '../guardrails/helpers';
import { admin, call, chat, type Json } from '../helpers/gateway';
import { sseEvents } from '../helpers/openapi';
import { json, onUpstream, sse } from '../helpers/upstream';
import { waitForRows } from './helpers';

const PII = { name: 'pii', detect: ['email', 'credit_card'], action: 'redact' };
const CODENAMES = { name: 'codenames', keywords: ['falcon', 'osprey'], action: 'flag' };
const BLUEBIRD = { name: 'no-internal', pattern: 'project\\s+bluebird', flags: 'i', action: 'block' };

const setup = (guardrails: unknown[]) =>
  guardedKey(guardrails, { logBodies: true }, { retry: { attempts: 0 } });

const ask = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'gpt',
  messages: [{ role: 'user', content }],
  ...extra,
});
const streamOf = (...parts: string[]) =>
  sse([...parts.map((content) => chunk({ content })), chunk({}, 'stop'), 'data: [DONE]\n\n']);

/** Answers with the last user message it received (what the provider saw), JSON or streamed. */
function echoUpstream(): void {
  onUpstream(CHAT_URL, async (request) => {
    const body = (await request.json()) as { messages: { content: string }[]; stream?: boolean };
    const text = String(body.messages.at(-1)?.content);
    return body.stream ? streamOf(text) : json(completion(text));
  });
}

const streamedText = (body: string) =>
  sseEvents(body)
    .map((event) => (event as Json).choices?.[0]?.delta?.content ?? '')
    .join('');

/** A logged stream is its event payloads, one per line. */
const loggedText = (body: string) =>
  body
    .split('\n')
    .map((line) => (JSON.parse(line) as Json).choices?.[0]?.delta?.content ?? '')
    .join('');

async function rowOf(response: Response) {
  const id = response.headers.get('x-tollgate-request-id')!;
  return (await waitForRows([id], 8000, 'id')).get(id)!;
}

describe('guardrails in the log row', () => {
  it('names flag and redact rules with their counts, and never the matched text', async () => {
    const key = await setup([PII, CODENAMES]);
    echoUpstream();
    const response = await chat(key, ask('falcon meets osprey and falcon; mail jane@example.com'));
    expect(response.status).toBe(200);
    await response.text();
    const row = await rowOf(response);
    expect(row.guardrails).toEqual([
      { rule: 'codenames', action: 'flag', count: 3 },
      { rule: 'pii', action: 'redact', count: 1 },
    ]);
    expect(JSON.parse(row.requestBody!).messages[0].content).toBe(
      'falcon meets osprey and falcon; mail [EMAIL_1]',
    );
    expect(JSON.stringify(row)).not.toContain('jane@example.com');

    const detail = await (await admin(`/admin/logs/${row.id}`)).json<Json>();
    expect(detail.guardrails).toEqual(row.guardrails);
    const flagged = await (await admin(`/admin/logs?guardrail=flagged&requestId=${row.id}`)).json<Json>();
    expect(flagged.data.map((r: Json) => r.guardrails)).toEqual([row.guardrails]);
    const blocked = await (await admin(`/admin/logs?guardrail=blocked&requestId=${row.id}`)).json<Json>();
    expect(blocked.data).toEqual([]);
    expect((await admin('/admin/logs?guardrail=maybe')).status).toBe(400);
  });

  it('records a block and every other rule that fired, and logs the blocked prompt with every match masked', async () => {
    const key = await setup([BLUEBIRD, PII, CODENAMES]);
    echoUpstream();
    const response = await chat(key, ask('About Project  Bluebird and falcon: mail jane@example.com'));
    expect(response.status).toBe(403);
    expect((await response.json<Json>()).error.code).toBe('guardrail_blocked');
    const row = await rowOf(response);
    expect(row).toMatchObject({ status: 403, errorCode: 'guardrail_blocked' });
    expect(row.guardrails).toEqual([
      { rule: 'no-internal', action: 'block', count: 1 },
      { rule: 'codenames', action: 'flag', count: 1 },
      { rule: 'pii', action: 'redact', count: 1 },
    ]);
    const flagged = await (await admin(`/admin/logs?guardrail=flagged&requestId=${row.id}`)).json<Json>();
    expect(flagged.data).toHaveLength(1);
    expect(JSON.parse(row.requestBody!).messages[0].content).toBe(
      'About [NO_INTERNAL_1] and [CODENAMES_1]: mail [EMAIL_1]',
    );
    expect(row.requestBody).not.toMatch(/bluebird|jane@/i);
    const listed = await (await admin(`/admin/logs?guardrail=blocked&requestId=${row.id}`)).json<Json>();
    expect(listed.data).toHaveLength(1);
  });

  it('keeps no body of a request refused before its guardrails ran (a model nobody configured)', async () => {
    const key = await setup([PII]);
    for (const path of ['/v1/chat/completions', '/v1/embeddings']) {
      const body = path.endsWith('embeddings')
        ? { model: 'nope', input: 'I am jane@example.com' }
        : ask('I am jane@example.com', { model: 'nope' });
      const response = await call(path, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(404);
      const row = await rowOf(response);
      expect(row).toMatchObject({ model: 'nope', requestBody: null, responseBody: null });
    }
  });

  it('masks a blocked embeddings input in the log too', async () => {
    const key = await setup([BLUEBIRD]);
    const response = await call('/v1/embeddings', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt', input: ['fine', 'project bluebird plans'] }),
    });
    expect(response.status).toBe(403);
    const row = await rowOf(response);
    expect(row.guardrails).toEqual([{ rule: 'no-internal', action: 'block', count: 1 }]);
    expect(JSON.parse(row.requestBody!).input).toEqual(['fine', '[NO_INTERNAL_1] plans']);
  });

  it('logs a JSON answer with its output redactions, as the client saw it', async () => {
    const key = await setup([{ ...PII, scope: 'output' }]);
    onUpstream(CHAT_URL, () => json(completion('Your card: 4111 1111 1111 1111.')));
    const response = await chat(key, ask('which card?'));
    expect((await response.json<Json>()).choices[0].message.content).toBe('Your card: [CREDIT_CARD_1].');
    const row = await rowOf(response);
    expect(JSON.parse(row.responseBody!).choices[0].message.content).toBe('Your card: [CREDIT_CARD_1].');
    expect(row.guardrails).toEqual([{ rule: 'pii', action: 'redact', count: 1 }]);
  });

  it('logs a streamed answer with its output redactions, even across chunks', async () => {
    const key = await setup([
      { ...PII, scope: 'output' },
      { ...CODENAMES, scope: 'output' },
    ]);
    onUpstream(CHAT_URL, () => streamOf('Card 4111 11', '11 1111 1111, a fal', 'con; another falcon.'));
    const response = await chat(key, ask('which card?', { stream: true }));
    const text = await response.text();
    expect(streamedText(text)).toBe('Card [CREDIT_CARD_1], a falcon; another falcon.');
    const row = await rowOf(response);
    expect(loggedText(row.responseBody!)).toBe('Card [CREDIT_CARD_1], a falcon; another falcon.');
    expect(row.responseBody).not.toContain('4111');
    expect(row.guardrails).toEqual([
      { rule: 'codenames', action: 'flag', count: 2 },
      { rule: 'pii', action: 'redact', count: 1 },
    ]);
  });

  it('keeps placeholders in the logged answer when the client gets the originals back', async () => {
    const key = await setup([{ ...PII, restore: true }]);
    echoUpstream();
    const plain = await chat(key, ask('I am jane@example.com'));
    expect((await plain.json<Json>()).choices[0].message.content).toBe('I am jane@example.com');
    const streamed = await chat(key, ask('I am jane@example.com', { stream: true }));
    expect(streamedText(await streamed.text())).toBe('I am jane@example.com');

    const jsonRow = await rowOf(plain);
    expect(JSON.parse(jsonRow.responseBody!).choices[0].message.content).toBe('I am [EMAIL_1]');
    const streamRow = await rowOf(streamed);
    expect(loggedText(streamRow.responseBody!)).toBe('I am [EMAIL_1]');
    for (const row of [jsonRow, streamRow]) {
      expect(JSON.stringify(row)).not.toContain('jane@example.com');
      expect(row.guardrails).toEqual([{ rule: 'pii', action: 'redact', count: 1 }]);
    }
  });

  it('logs nothing of a streamed answer past an output block', async () => {
    const key = await setup([{ ...BLUEBIRD, scope: 'output' }]);
    onUpstream(CHAT_URL, () => streamOf('The plan: project ', 'bluebird ships tomorrow.'));
    const response = await chat(key, ask('the plan?', { stream: true }));
    const text = await response.text();
    expect(text).toContain('guardrail_blocked');
    const row = await rowOf(response);
    expect(row.guardrails).toEqual([{ rule: 'no-internal', action: 'block', count: 1 }]);
    expect(row.responseBody).toContain('guardrail_blocked');
    expect(row.responseBody).not.toMatch(/bluebird|ships/i);
  });
});
