// Stored responses as chains: a response continuing from another stores only its own turn and names
// the one before (previous_id), a conversation is read back whole from its chain or not at all, a
// chain lives as long as its newest turn, and a deleted response others continue from stays their
// ancestor, hidden, until the hourly cron finds none does.
import { createExecutionContext, createScheduledController } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { anthropicMessage } from '../helpers/anthropic-sse';
import {
  answeredJson,
  claudeConfig,
  createKey,
  type Json,
  putConfig,
  responses,
  storedResponse,
} from '../helpers/gateway';
import { expectOpenAIShape } from '../helpers/openapi';
import { json, onUpstream, recorded } from '../helpers/upstream';

const ANTHROPIC_URL = 'https://anthropic.test';

/** Claude behind the alias `claude`, answering call n with `Reply n.`; a new key, and its id. */
async function setup() {
  const response = await putConfig(claudeConfig(ANTHROPIC_URL));
  expect(response.status, await response.clone().text()).toBe(200);
  let calls = 0;
  onUpstream(`${ANTHROPIC_URL}/v1/messages`, () => {
    calls++;
    return json(
      anthropicMessage(`Reply ${calls}.`, { id: `msg_${calls}`, model: 'claude-sonnet-4-5-20250929' }),
    );
  });
  return createKey();
}

const answered = answeredJson;

/** Turns answered one after another, each continuing from the one before; their Responses. */
async function chain(key: string, inputs: string[], previous?: string): Promise<Json[]> {
  const turns: Json[] = [];
  for (const input of inputs) {
    const previous_response_id = turns.at(-1)?.id ?? previous;
    turns.push(await answered(await responses(key, { model: 'claude', input, previous_response_id })));
  }
  return turns;
}

const byId = storedResponse;

interface Row {
  input: string;
  previous_id: string | null;
  expires_at: number;
  deleted_at: number | null;
}

function row(id: string): Promise<Row | null> {
  return env.DB.prepare(
    'SELECT input, previous_id, expires_at, deleted_at FROM stored_responses WHERE id = ?',
  )
    .bind(id)
    .first<Row>();
}

const user = (content: string) => ({ role: 'user', content: [{ type: 'text', text: content }] });
const assistant = (content: string) => ({ role: 'assistant', content: [{ type: 'text', text: content }] });
/** What Claude gets for a fourth turn after three answered 'Reply 1.' to 'Reply 3.'. */
const fourTurns = () => [
  user('One'),
  assistant('Reply 1.'),
  user('Two'),
  assistant('Reply 2.'),
  user('Three'),
  assistant('Reply 3.'),
  user('Four'),
];

async function sweep(): Promise<void> {
  await worker.scheduled(
    createScheduledController({ scheduledTime: Date.now(), cron: '7 * * * *' }),
    env,
    createExecutionContext(),
  );
}

describe('stored response chains', () => {
  it("stores each turn's own input only, and reads a three-turn conversation back exactly", async () => {
    const { key } = await setup();
    const [first, second, third] = await chain(key, ['One', 'Two', 'Three']);
    // Read through the gateway first: it waits for this isolate's write of the row.
    expect((await byId(key, third.id)).status).toBe(200);
    const stored = await row(third.id);
    expect(stored?.previous_id).toBe(second.id);
    expect(JSON.parse(stored!.input)).toEqual([{ type: 'message', role: 'user', content: 'Three' }]);
    expect((await row(second.id))?.previous_id).toBe(first.id);
    expect((await row(first.id))?.previous_id).toBeNull();

    await chain(key, ['Four'], third.id);
    expect((recorded[3]!.body as Json).messages).toEqual(fourTurns());
    // The list names each input item by the response whose request sent it.
    const list: Json = await (await byId(key, `${third.id}/input_items?order=asc`)).json();
    expectOpenAIShape('ResponseItemList', list);
    const inputId = (response: Json) => `in_${response.id.slice('resp_'.length)}_0`;
    expect(list.data.map((item: Json) => item.id)).toEqual([
      inputId(first),
      first.output[0].id,
      inputId(second),
      second.output[0].id,
      inputId(third),
    ]);
    // Each id refers to its item.
    await answered(
      await responses(key, { model: 'claude', input: [{ type: 'item_reference', id: inputId(second) }] }),
    );
    expect((recorded[4]!.body as Json).messages).toEqual([user('Two')]);
  });

  it("extends every ancestor's expiry to the newest turn's, and refuses a chain missing an expired one", async () => {
    const { key } = await setup();
    const [first, second] = await chain(key, ['One', 'Two']);
    const soon = Date.now() + 60_000;
    await env.DB.prepare('UPDATE stored_responses SET expires_at = ? WHERE id IN (?, ?)')
      .bind(soon, first.id, second.id)
      .run();
    const [third] = await chain(key, ['Three'], second.id);
    expect((await byId(key, third.id)).status).toBe(200);
    const newest = (await row(third.id))!.expires_at;
    expect(newest).toBeGreaterThan(soon);
    // Raised a day past it, so that the turns of the next day raise nothing.
    expect((await row(first.id))?.expires_at).toBe(newest + 86_400_000);
    expect((await row(second.id))?.expires_at).toBe(newest + 86_400_000);
    const [fourth] = await chain(key, ['Four'], third.id);
    expect((await row(third.id))!.expires_at).toBeGreaterThanOrEqual((await row(fourth.id))!.expires_at);
    // The earlier rows, far enough ahead already, were not written again.
    expect((await row(first.id))?.expires_at).toBe(newest + 86_400_000);

    // The first turn gone: the third's conversation is not found, never read without it.
    await env.DB.prepare('UPDATE stored_responses SET expires_at = ? WHERE id = ?')
      .bind(Date.now() - 1, first.id)
      .run();
    const next = await responses(key, { model: 'claude', previous_response_id: fourth.id, input: 'Five' });
    expect(next.status).toBe(400);
    const refused: Json = await next.json();
    expect(refused.error.code).toBe('previous_response_not_found');
    expect((await byId(key, `${fourth.id}/input_items`)).status).toBe(404);
    expect(recorded).toHaveLength(4);
  });

  it('hides a deleted middle response but keeps its child continuable, and the cron removes it after', async () => {
    const { key } = await setup();
    const [first, second, third] = await chain(key, ['One', 'Two', 'Three']);
    expect(await answered(await byId(key, second.id, 'DELETE'))).toEqual({
      id: second.id,
      object: 'response',
      deleted: true,
    });
    for (const path of [second.id, `${second.id}/input_items`])
      expect((await byId(key, path)).status, path).toBe(404);
    expect((await byId(key, second.id, 'DELETE')).status).toBe(404);
    const from = await responses(key, { model: 'claude', previous_response_id: second.id, input: 'x' });
    expect(from.status).toBe(400);
    const referencing = await responses(key, {
      model: 'claude',
      input: [{ type: 'item_reference', id: second.output[0].id }],
    });
    expect(referencing.status).toBe(404);

    const [fourth] = await chain(key, ['Four'], third.id);
    expect((recorded[3]!.body as Json).messages).toEqual(fourTurns());
    // Kept while its child is: the cron leaves it.
    await sweep();
    expect((await row(second.id))?.deleted_at).toEqual(expect.any(Number));
    // Its descendants deleted (the last first: none continues from it, so at once), the cron removes
    // it; the first stays.
    await answered(await byId(key, fourth.id, 'DELETE'));
    await answered(await byId(key, third.id, 'DELETE'));
    expect(await row(third.id)).toBeNull();
    await sweep();
    expect(await row(second.id)).toBeNull();
    expect(await row(first.id)).not.toBeNull();
    expect((await byId(key, first.id)).status).toBe(200);
  });

  it('marks a response whose only live descendant continues through a deleted one, and sweeps both after', async () => {
    const { key } = await setup();
    const [first, second, third, fourth] = await chain(key, ['One', 'Two', 'Three', 'Four']);
    await answered(await byId(key, third.id, 'DELETE'));
    await answered(await byId(key, second.id, 'DELETE'));
    expect((await row(second.id))?.deleted_at).toEqual(expect.any(Number));
    await chain(key, ['Five'], fourth.id);
    expect((recorded[4]!.body as Json).messages).toHaveLength(9);

    await answered(await byId(key, fourth.id, 'DELETE'));
    expect((await row(fourth.id))?.deleted_at).toEqual(expect.any(Number));
    const fifth = (await env.DB.prepare('SELECT id FROM stored_responses WHERE previous_id = ?')
      .bind(fourth.id)
      .first<{ id: string }>())!.id;
    await answered(await byId(key, fifth, 'DELETE'));
    // Fourth, third and second now continue into nothing live: gone over the cron's rounds.
    await sweep();
    for (const gone of [second, third, fourth]) expect(await row(gone.id)).toBeNull();
    expect((await row(first.id))?.deleted_at).toBeNull();
  });

  it('continues from a row stored whole before chains (previous_id NULL) as the root of its chain', async () => {
    const { key, id: keyId } = await setup();
    const legacy = 'resp_legacy0000000000';
    const input = [
      { type: 'message', role: 'user', content: 'One' },
      { type: 'message', role: 'assistant', content: 'Reply 0.' },
      { type: 'message', role: 'user', content: 'Two' },
    ];
    const output = [
      {
        type: 'message',
        id: 'msg_legacy0000000000',
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: 'Old reply.', annotations: [] }],
      },
    ];
    await env.DB.prepare(
      `INSERT INTO stored_responses (id, key_id, team_id, created_at, expires_at, input, response)
       VALUES (?, ?, NULL, ?, ?, ?, ?)`,
    )
      .bind(
        legacy,
        keyId,
        Date.now(),
        Date.now() + 86_400_000,
        JSON.stringify(input),
        JSON.stringify({ id: legacy, output }),
      )
      .run();
    const [next] = await chain(key, ['Three'], legacy);
    expect((recorded[0]!.body as Json).messages).toEqual([
      user('One'),
      assistant('Reply 0.'),
      user('Two'),
      assistant('Old reply.'),
      user('Three'),
    ]);
    expect((await byId(key, next.id)).status).toBe(200);
    expect((await row(next.id))?.previous_id).toBe(legacy);
    const list: Json = await (await byId(key, `${next.id}/input_items?order=asc`)).json();
    expect(list.data.map((item: Json) => item.id)).toEqual([
      `in_legacy0000000000_0`,
      `in_legacy0000000000_1`,
      `in_legacy0000000000_2`,
      'msg_legacy0000000000',
      `in_${next.id.slice('resp_'.length)}_0`,
    ]);
  });
});
