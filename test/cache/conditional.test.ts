// The cache under conditional routing: an answer is reused only by requests whose rules pick the
// same targets, for the exact cache and the semantic partition alike.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { embeddingModel } from '../../src/cache/embed';
import { cacheKeys, providerSettings, routeIdentity } from '../../src/cache/key';
import { getRuntime } from '../../src/config/store';
import type { ChatRequest } from '../../src/openai/schemas';
import { admin, chat, createKey, type Json, putConfig } from '../helpers/gateway';
import { json, onUpstream } from '../helpers/upstream';
import { answerText, CHAT_URL, cachedConfig, completion, sleep, stored } from './harness';

const openai = (model: string) => ({ provider: 'openai', model });
const models = {
  gpt: {
    strategy: 'conditional',
    targets: [openai('gpt-4o-mini')],
    rules: [
      { when: { metadata: { tier: 'pro' } }, targets: [openai('gpt-4o')] },
      { when: { metadata: { tier: 'max' } }, targets: [{ alias: 'big' }] },
    ],
  },
  big: {
    strategy: 'conditional',
    targets: [openai('gpt-4.1')],
    rules: [{ when: { metadata: { region: 'eu' } }, targets: [openai('gpt-4.1-eu')] }],
  },
};

const QUESTION = 'Please tell me in one short sentence what the capital city of France is and why it matters';
const ask = (text = QUESTION) => ({ model: 'gpt', messages: [{ role: 'user', content: text }] });
const meta = (fields: Record<string, string>) => ({ 'x-tollgate-metadata': JSON.stringify(fields) });

/** The fake OpenAI names the model it was asked for; returns the calls per model. */
function upstreamByModel(): Record<string, number> {
  const calls: Record<string, number> = {};
  onUpstream(CHAT_URL, async (request) => {
    const { model } = (await request.json()) as { model: string };
    calls[model] = (calls[model] ?? 0) + 1;
    return json(completion(`answered by ${model}`));
  });
  return calls;
}

async function setup(cache: Record<string, unknown> = {}) {
  expect((await putConfig(cachedConfig(cache, { models }))).status).toBe(200);
  const created = await createKey();
  return { ...created, namespace: `key:${created.id}`, calls: upstreamByModel() };
}

async function expectServed(response: Response, cache: string, model: string): Promise<void> {
  expect(response.status).toBe(200);
  expect(response.headers.get('x-tollgate-cache')).toBe(cache);
  expect(response.headers.get('x-tollgate-model')).toBe(model);
  expect(await answerText(response)).toBe(`answered by ${model}`);
}

describe('cache and conditional routing', () => {
  it('misses when the metadata picks another rule, and hits when it picks the same one', async () => {
    const { key, namespace, calls } = await setup();
    await expectServed(await chat(key, ask(), meta({ tier: 'pro' })), 'miss', 'gpt-4o');
    await stored(namespace, 1);
    // The same body without the metadata goes to the default target: its own answer, not gpt-4o's.
    await expectServed(await chat(key, ask()), 'miss', 'gpt-4o-mini');
    await stored(namespace, 2);
    // Other metadata that matches the same rule shares that rule's answer.
    await expectServed(await chat(key, ask(), meta({ tier: 'pro', user: 'u2' })), 'hit-exact', 'gpt-4o');
    await expectServed(await chat(key, ask(), meta({ tier: 'free' })), 'hit-exact', 'gpt-4o-mini');
    expect(calls).toEqual({ 'gpt-4o': 1, 'gpt-4o-mini': 1 });
  });

  it('follows the rule of a conditional alias nested in the matched rule', async () => {
    const { key, namespace, calls } = await setup();
    await expectServed(await chat(key, ask(), meta({ tier: 'max', region: 'eu' })), 'miss', 'gpt-4.1-eu');
    await stored(namespace, 1);
    await expectServed(await chat(key, ask(), meta({ tier: 'max' })), 'miss', 'gpt-4.1');
    await stored(namespace, 2);
    await expectServed(
      await chat(key, ask(), meta({ region: 'eu', tier: 'max' })),
      'hit-exact',
      'gpt-4.1-eu',
    );
    expect(calls).toEqual({ 'gpt-4.1-eu': 1, 'gpt-4.1': 1 });
  });

  it('follows a team rule between teams that share a namespace', async () => {
    const teams = await Promise.all(
      ['research', 'sales'].map(
        async (name) => (await (await admin('/admin/teams', 'POST', { name })).json<Json>()).id,
      ),
    );
    const [research, sales] = teams as [string, string];
    const byTeam = {
      gpt: { ...models.gpt, rules: [{ when: { team: research }, targets: [openai('gpt-4o')] }] },
    };
    const config = cachedConfig({ namespaces: { all: { teams } } }, { models: byTeam });
    expect((await putConfig(config)).status).toBe(200);
    const [r1, r2, s1] = await Promise.all([research, research, sales].map((team) => createKey({ team })));
    const calls = upstreamByModel();
    await expectServed(await chat(r1!.key, ask()), 'miss', 'gpt-4o');
    await stored('shared:all', 1);
    await expectServed(await chat(s1!.key, ask()), 'miss', 'gpt-4o-mini');
    await expectServed(await chat(r2!.key, ask()), 'hit-exact', 'gpt-4o');
    expect(calls).toEqual({ 'gpt-4o': 1, 'gpt-4o-mini': 1 });
  });

  it('keeps semantic partitions apart per matched rule', async () => {
    const { id, key, calls } = await setup({
      exact: { enabled: false },
      semantic: { enabled: true, embedding: { provider: 'mock', model: 'mock-embed' } },
    });
    await expectServed(await chat(key, ask(), meta({ tier: 'pro' })), 'miss', 'gpt-4o');
    await indexed(`key:${id}`, ask(), { tier: 'pro' });
    const paraphrase = ask(`${QUESTION} today`);
    await expectServed(await chat(key, paraphrase), 'miss', 'gpt-4o-mini');
    await expectServed(await chat(key, paraphrase, meta({ tier: 'pro' })), 'hit-semantic', 'gpt-4o');
    expect(calls).toEqual({ 'gpt-4o': 1, 'gpt-4o-mini': 1 });
  });
});

/** Waits until the answer to `body`, asked with `metadata`, is in its semantic partition. */
async function indexed(namespace: string, body: Json, metadata: Record<string, string>): Promise<void> {
  await stored(namespace);
  const runtime = await getRuntime(env);
  const route = routeIdentity(
    runtime.resolve(body.model)!,
    runtime.config.models,
    { metadata },
    providerSettings(runtime.config.providers),
  );
  const keys = await cacheKeys(
    namespace,
    route,
    body as ChatRequest,
    embeddingModel(runtime, runtime.config.cache),
  );
  const stub = env.SEMANTIC_INDEX.get(env.SEMANTIC_INDEX.idFromName(keys.partition!));
  for (let i = 0; i < 200; i++) {
    if ((await stub.ids()).includes(keys.exact)) return;
    await sleep(10);
  }
  expect.fail('the answer never reached the semantic index');
}
