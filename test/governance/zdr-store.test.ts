// Zero-retention keys and a client's own `store: true` (OpenAI's stored completions, a stored
// response), `prompt_cache_retention: "24h"` (a prompt cache kept beyond memory) or a
// `prompt_cache_options.ttl` beyond OpenAI's default 30 minutes: refused with 403
// zdr_store_refused before anything goes upstream, on /v1/chat/completions and /v1/responses alike
// (translated or with hosted tools), for a zdr key and a key of a zdr team.
import { describe, expect, it } from 'vitest';
import { CHAT_URL, completion } from '../cache/harness';
import { admin, chat, createKey, type Json, openaiConfig, putConfig, responses } from '../helpers/gateway';
import { json, onUpstream, recorded } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';
import { ZDR_REFUSED_ROW } from './helpers';

const OPENAI_RESPONSES = 'https://api.openai.com/v1/responses';
const question = { model: 'gpt', messages: [{ role: 'user', content: 'What is the capital of France?' }] };
const asked = { model: 'gpt', input: 'What is the capital of France?' };
// With a hosted tool: sent to OpenAI's Responses API as written (with store: false).
const searched = { model: 'web', input: 'Weather in Paris today?', tools: [{ type: 'web_search' }] };

async function setup() {
  const config = openaiConfig({
    providers: {
      openai: { type: 'openai', baseUrl: 'https://upstream.test/v1', apiKey: 'sk-test-secret' },
      direct: { type: 'openai', apiKey: 'sk-direct' },
      mock: { type: 'mock' },
    },
    models: {
      gpt: { targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] },
      web: { targets: [{ provider: 'direct', model: 'gpt-5.1' }] },
    },
    retry: { attempts: 0 },
  });
  const response = await putConfig(config);
  expect(response.status, await response.clone().text()).toBe(200);
  onUpstream(CHAT_URL, () => json(completion('Paris')));
  onUpstream(OPENAI_RESPONSES, () => json({ error: { message: 'not expected here' } }, 500));
}

/** Each way a client can ask for storage (`store: true`, say), sent with `x-request-id` `${prefix}-<n>`. */
function storing(key: string, prefix: string, asking: Json): Promise<Response>[] {
  return [
    chat(key, { ...question, ...asking }, { 'x-request-id': `${prefix}-1` }),
    chat(key, { ...question, ...asking, stream: true }, { 'x-request-id': `${prefix}-2` }),
    responses(key, { ...asked, ...asking }, { 'x-request-id': `${prefix}-3` }),
    responses(key, { ...searched, ...asking }, { 'x-request-id': `${prefix}-4` }),
  ];
}

async function expectRefused(
  key: string,
  prefix: string,
  asking: Json = { store: true },
  param = Object.keys(asking)[0],
) {
  for (const response of await Promise.all(storing(key, prefix, asking))) {
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      error: {
        message: expect.stringContaining('zero-retention'),
        type: 'permission_error',
        param,
        code: 'zdr_store_refused',
      },
    });
  }
  expect(recorded).toHaveLength(0);
  const rows = await waitForRows([1, 2, 3, 4].map((n) => `${prefix}-${n}`));
  for (const row of rows.values()) expect(row).toMatchObject(ZDR_REFUSED_ROW);
}

describe('zero-retention keys and store: true', () => {
  it('refuses a zero-retention key that asks the provider to store the request; nothing goes upstream', async () => {
    await setup();
    const key = await createKey({ zdr: true, logBodies: true });
    await expectRefused(key.key, 'zdr-store');
    // Nothing stayed reserved: the key has spent and holds nothing.
    const read = await (await admin(`/admin/keys/${key.id}`)).json<Json>();
    expect(read.usage).toMatchObject({ spendUsd: 0, reservedUsd: 0 });
  });

  it('refuses it for every key of a zero-retention team', async () => {
    await setup();
    const team = await (
      await admin('/admin/teams', 'POST', { name: 'zdr store team', zdr: true })
    ).json<Json>();
    const key = await createKey({ team: team.id, logBodies: true });
    await expectRefused(key.key, 'zdr-team-store');
  });

  it('lets store: false or no store through on a zero-retention key', async () => {
    await setup();
    const key = await createKey({ zdr: true });
    for (const body of [{ ...question, store: false }, question]) {
      const response = await chat(key.key, body);
      expect(response.status, await response.clone().text()).toBe(200);
    }
    const response = await responses(key.key, { ...asked, store: false });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(recorded.map((request) => (request.body as Json).store)).toEqual([false, undefined, undefined]);
  });

  it('passes store: true on as before for a key that is not zero-retention', async () => {
    await setup();
    const key = await createKey();
    const response = await chat(key.key, { ...question, store: true });
    expect(response.status, await response.clone().text()).toBe(200);
    expect((recorded[0]!.body as Json).store).toBe(true);
    // The Responses API's is accepted and not sent on (the gateway is stateless).
    const answered = await responses(key.key, { ...asked, store: true });
    expect(answered.status, await answered.clone().text()).toBe(200);
    expect(recorded).toHaveLength(2);
    expect((recorded[1]!.body as Json).store).toBeUndefined();
  });
});

describe('zero-retention keys and extended prompt caching (prompt_cache_retention)', () => {
  it('refuses a zero-retention key that asks for a prompt cache kept beyond memory; nothing goes upstream', async () => {
    await setup();
    const key = await createKey({ zdr: true, logBodies: true });
    await expectRefused(key.key, 'zdr-cache-24h', { prompt_cache_retention: '24h' });
    // A retention the gateway does not know may be longer still: refused too.
    await expectRefused(key.key, 'zdr-cache-7d', { prompt_cache_retention: '7d' });
    const team = await (
      await admin('/admin/teams', 'POST', { name: 'zdr cache team', zdr: true })
    ).json<Json>();
    const member = await createKey({ team: team.id });
    await expectRefused(member.key, 'zdr-team-cache-24h', { prompt_cache_retention: '24h' });
  });

  it('lets in_memory, null or no prompt_cache_retention through on a zero-retention key', async () => {
    await setup();
    const key = await createKey({ zdr: true });
    for (const retention of ['in_memory', null, undefined]) {
      const response = await chat(key.key, { ...question, prompt_cache_retention: retention });
      expect(response.status, await response.clone().text()).toBe(200);
    }
    expect(recorded.map((request) => (request.body as Json).prompt_cache_retention)).toEqual([
      'in_memory',
      null,
      undefined,
    ]);
  });

  it('passes 24h on as before for a key that is not zero-retention', async () => {
    await setup();
    const key = await createKey();
    const response = await chat(key.key, { ...question, prompt_cache_retention: '24h' });
    expect(response.status, await response.clone().text()).toBe(200);
    const answered = await responses(key.key, { ...asked, prompt_cache_retention: '24h' });
    expect(answered.status, await answered.clone().text()).toBe(200);
    expect(recorded.map((request) => (request.body as Json).prompt_cache_retention)).toEqual(['24h', '24h']);
  });
});

describe('zero-retention keys and the prompt cache lifetime (prompt_cache_options.ttl)', () => {
  it('refuses a zero-retention key that asks for a cache lifetime beyond the default; nothing goes upstream', async () => {
    await setup();
    const key = await createKey({ zdr: true, logBodies: true });
    const param = 'prompt_cache_options.ttl';
    await expectRefused(key.key, 'zdr-ttl-12h', { prompt_cache_options: { ttl: '12h' } }, param);
    await expectRefused(
      key.key,
      'zdr-ttl-24h',
      { prompt_cache_options: { mode: 'explicit', ttl: '24h' } },
      param,
    );
    const team = await (
      await admin('/admin/teams', 'POST', { name: 'zdr ttl team', zdr: true })
    ).json<Json>();
    const member = await createKey({ team: team.id });
    await expectRefused(member.key, 'zdr-team-ttl-1h', { prompt_cache_options: { ttl: '1h' } }, param);
  });

  it('lets the default 30m, no ttl or no prompt_cache_options through on a zero-retention key', async () => {
    await setup();
    const key = await createKey({ zdr: true });
    const options = [{ ttl: '30m' }, { mode: 'explicit' }, { ttl: null }, undefined];
    for (const prompt_cache_options of options) {
      const response = await chat(key.key, { ...question, prompt_cache_options });
      expect(response.status, await response.clone().text()).toBe(200);
    }
    const response = await responses(key.key, { ...asked, prompt_cache_options: { ttl: '30m' } });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(recorded.map((request) => (request.body as Json).prompt_cache_options)).toEqual([
      ...options,
      { ttl: '30m' },
    ]);
  });

  it('passes a longer ttl on as before for a key that is not zero-retention', async () => {
    await setup();
    const key = await createKey();
    const response = await chat(key.key, { ...question, prompt_cache_options: { ttl: '12h' } });
    expect(response.status, await response.clone().text()).toBe(200);
    expect((recorded[0]!.body as Json).prompt_cache_options).toEqual({ ttl: '12h' });
  });
});
