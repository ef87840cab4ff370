import { describe, expect, it } from 'vitest';
import { CHAT_URL, cachedConfig, completion, entries, sleep } from '../cache/harness';
import { admin, call, chat, createKey, type Json } from '../helpers/gateway';
import { json, onUpstream } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';

const question = { model: 'gpt', messages: [{ role: 'user', content: 'What is the capital of France?' }] };

describe('zero-retention keys', () => {
  it('never reads or writes the cache, and logs no bodies but zdr: true', async () => {
    expect((await admin('/admin/config', 'PUT', cachedConfig())).status).toBe(200);
    let calls = 0;
    onUpstream(CHAT_URL, () => {
      calls++;
      return json(completion('Paris'));
    });
    const zdr = await createKey({ zdr: true, logBodies: true });
    expect((await (await admin(`/admin/keys/${zdr.id}`)).json<Json>()).zdr).toBe(true);
    for (const id of ['zdr-1', 'zdr-2']) {
      const response = await chat(zdr.key, question, { 'x-request-id': id });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-tollgate-cache')).toBe('skip');
      await response.text();
    }
    await sleep(50);
    expect(calls).toBe(2);
    expect(await entries(`key:${zdr.id}`)).toBe(0);

    const rows = await waitForRows(['zdr-1', 'zdr-2']);
    for (const row of rows.values()) {
      expect(row.zdr).toBe(true);
      expect(row.requestBody).toBeNull();
      expect(row.responseBody).toBeNull();
    }
    const listed = await (await admin(`/admin/logs?key=${zdr.id}`)).json<Json>();
    expect(listed.data.every((row: Json) => row.zdr === true)).toBe(true);

    // The same traffic from an ordinary key is cached (so the skip above was the flag's doing).
    const plain = await createKey({ logBodies: true });
    await (await chat(plain.key, question)).text();
    await sleep(50);
    expect((await chat(plain.key, question)).headers.get('x-tollgate-cache')).toBe('hit-exact');
  });

  it('applies to every key of a zero-retention team', async () => {
    expect((await admin('/admin/config', 'PUT', cachedConfig())).status).toBe(200);
    onUpstream(CHAT_URL, () => json(completion('Paris')));
    const team = await (await admin('/admin/teams', 'POST', { name: 'zdr team', zdr: true })).json<Json>();
    expect(team.zdr).toBe(true);
    const key = await createKey({ team: team.id, logBodies: true });
    await (await chat(key.key, question, { 'x-request-id': 'zdr-team-1' })).text();
    await sleep(50);
    const again = await chat(key.key, question, { 'x-request-id': 'zdr-team-2' });
    expect(again.headers.get('x-tollgate-cache')).toBe('skip');
    await again.text();
    const rows = await waitForRows(['zdr-team-1', 'zdr-team-2']);
    for (const row of rows.values())
      expect(row).toMatchObject({ zdr: true, requestBody: null, responseBody: null });
  });
});

describe("the log rows of zero-retention keys and a provider's error", () => {
  it("passes a provider's 4xx on as it came, but its row keeps no code that is not an identifier", async () => {
    expect((await admin('/admin/config', 'PUT', cachedConfig())).status).toBe(200);
    // A provider that puts its words, the prompt quoted, where a code belongs.
    const code = "The prompt 'What is the capital of France?' was rejected";
    onUpstream(CHAT_URL, () =>
      json({ error: { message: 'Rejected.', type: 'invalid_request_error', param: null, code } }, 400),
    );
    const { key } = await createKey({ zdr: true, logBodies: true });
    const response = await chat(key, question, { 'x-request-id': 'zdr-provider-code' });
    expect(response.status).toBe(400);
    expect((await response.json<Json>()).error).toMatchObject({ message: 'Rejected.', code });
    const row = (await waitForRows(['zdr-provider-code'])).get('zdr-provider-code')!;
    expect(row).toMatchObject({ zdr: true, errorCode: 'http_400', requestBody: null, responseBody: null });
    expect(JSON.stringify(row)).not.toContain('capital of France');
  });
});

describe('the log rows of zero-retention keys refused before admission', () => {
  /** A body the schema refuses (no messages) and one with a malformed JSON, after the key's header. */
  const refusedBodies = (key: string, prefix: string) => [
    chat(key, { model: 'gpt', messages: [], note: 'secret prompt text' }, { 'x-request-id': `${prefix}-1` }),
    call('/v1/chat/completions', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'x-request-id': `${prefix}-2`,
      },
      body: '{"model":"gpt","messages":[{"role":"user","content":"secret prompt text"}',
    }),
  ];

  async function expectZdrRows(key: string, prefix: string, zdr: boolean) {
    for (const response of await Promise.all(refusedBodies(key, prefix))) expect(response.status).toBe(400);
    const rows = await waitForRows([`${prefix}-1`, `${prefix}-2`]);
    for (const row of rows.values())
      expect(row).toMatchObject({ status: 400, zdr, requestBody: null, responseBody: null });
  }

  it("says zdr: true for a zero-retention key's invalid body, and keeps no body", async () => {
    expect((await admin('/admin/config', 'PUT', cachedConfig())).status).toBe(200);
    const zdr = await createKey({ zdr: true, logBodies: true });
    await expectZdrRows(zdr.key, 'zdr-bad-body', true);
    // An ordinary key's says false: the flag is the key's.
    const plain = await createKey({ logBodies: true });
    await expectZdrRows(plain.key, 'plain-bad-body', false);
  });

  it("says zdr: true for the invalid body of a zero-retention team's key", async () => {
    expect((await admin('/admin/config', 'PUT', cachedConfig())).status).toBe(200);
    const team = await (
      await admin('/admin/teams', 'POST', { name: 'zdr bad body', zdr: true })
    ).json<Json>();
    const key = await createKey({ team: team.id, logBodies: true });
    await expectZdrRows(key.key, 'zdr-team-bad-body', true);
  });

  it("says zdr: true for a zero-retention key's request its key's object refused", async () => {
    expect((await admin('/admin/config', 'PUT', cachedConfig())).status).toBe(200);
    const key = await createKey({ zdr: true, logBodies: true, models: ['other'] });
    const response = await chat(key.key, question, { 'x-request-id': 'zdr-not-allowed' });
    expect(response.status).toBe(403);
    const rows = await waitForRows(['zdr-not-allowed']);
    expect(rows.get('zdr-not-allowed')).toMatchObject({
      keyId: key.id,
      errorCode: 'model_not_allowed',
      zdr: true,
      requestBody: null,
    });
  });
});
