import { describe, expect, it } from 'vitest';
import { CHAT_URL, cachedConfig, completion, entries, sleep } from '../cache/harness';
import { admin, chat, createKey, type Json } from '../helpers/gateway';
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
