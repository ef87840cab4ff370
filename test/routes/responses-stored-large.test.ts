// A stored response larger than one D1 row holds (an image as a data URL, a long document): stored in
// parts, continued from, read and listed whole, and its parts removed with it. And the bound on what
// one request reads of stored rows: summed from their sizes before any of their JSON is read.
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
import { json, onUpstream, recorded } from '../helpers/upstream';

const ANTHROPIC_URL = 'https://anthropic.test';
// Past what local D1 takes in one value (SQLITE_TOOBIG): before parts, this turn was never stored.
const DOCUMENT = `${'Lorem ipsum dolor sit amet, 😀 consectetur. '.repeat(120_000)}The end.`;

async function setup() {
  const response = await putConfig(claudeConfig(ANTHROPIC_URL));
  expect(response.status, await response.clone().text()).toBe(200);
  let calls = 0;
  onUpstream(`${ANTHROPIC_URL}/v1/messages`, () => json(anthropicMessage(`Reply ${++calls}.`)));
  return (await createKey()).key;
}

const answered = answeredJson;

const byId = storedResponse;

async function sweep(): Promise<void> {
  await worker.scheduled(
    createScheduledController({ scheduledTime: Date.now(), cron: '7 * * * *' }),
    env,
    createExecutionContext(),
  );
}

async function partsOf(id: string): Promise<number> {
  const row = await env.DB.prepare('SELECT COUNT(*) AS n FROM stored_response_parts WHERE response_id = ?')
    .bind(id)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

describe('stored responses larger than a row', () => {
  it('stores the turn in parts and continues from it with the whole document', async () => {
    const key = await setup();
    const first = await answered(
      await responses(key, { model: 'claude', input: [{ role: 'user', content: DOCUMENT }] }),
    );
    expect(await partsOf(first.id)).toBeGreaterThan(10);

    const second = await answered(
      await responses(key, { model: 'claude', previous_response_id: first.id, input: 'Summarise it.' }),
    );
    const sent = (recorded[1]!.body as Json).messages as Json[];
    expect(sent.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
    expect(sent[0]!.content[0].text).toBe(DOCUMENT);
    expect(sent[1]!.content[0].text).toBe('Reply 1.');

    expect(await answered(await byId(key, first.id))).toEqual(first);
    const items: Json = await answered(await byId(key, `${second.id}/input_items?order=asc&limit=10`));
    expect(items.data[0].content[0].text).toBe(DOCUMENT);
    expect(items.data.map((item: Json) => item.role)).toEqual(['user', 'assistant', 'user']);
  });

  it('reads a turn whose parts are not all there as not found, never as part of a document', async () => {
    const key = await setup();
    const first = await answered(
      await responses(key, { model: 'claude', input: [{ role: 'user', content: DOCUMENT }] }),
    );
    await env.DB.prepare('DELETE FROM stored_response_parts WHERE response_id = ? AND seq = 3')
      .bind(first.id)
      .run();
    expect((await byId(key, first.id)).status).toBe(404);
    const next = await responses(key, { model: 'claude', previous_response_id: first.id, input: 'And?' });
    expect(next.status).toBe(400);
    expect(recorded).toHaveLength(1);
  });

  it('removes the parts with the response: at its DELETE, or by the cron once it expired', async () => {
    const key = await setup();
    const deleted = await answered(
      await responses(key, { model: 'claude', input: [{ role: 'user', content: DOCUMENT }] }),
    );
    const expired = await answered(
      await responses(key, { model: 'claude', input: [{ role: 'user', content: DOCUMENT }] }),
    );
    expect((await byId(key, deleted.id, 'DELETE')).status).toBe(200);
    expect(await partsOf(deleted.id)).toBe(0);

    await env.DB.prepare('UPDATE stored_responses SET expires_at = ? WHERE id = ?')
      .bind(Date.now() - 1, expired.id)
      .run();
    expect(await partsOf(expired.id)).toBeGreaterThan(0);
    await sweep();
    expect(await partsOf(expired.id)).toBe(0);
  });

  it('keeps the parts of a response marked deleted while a continuation needs them, and sweeps them after', async () => {
    const key = await setup();
    const first = await answered(
      await responses(key, { model: 'claude', input: [{ role: 'user', content: DOCUMENT }] }),
    );
    const second = await answered(
      await responses(key, { model: 'claude', previous_response_id: first.id, input: 'Summarise it.' }),
    );
    // The first turn is only marked: the second still continues from it.
    expect((await byId(key, first.id, 'DELETE')).status).toBe(200);
    await sweep();
    const parts = await partsOf(first.id);
    expect(parts).toBeGreaterThan(10);
    const items: Json = await answered(await byId(key, `${second.id}/input_items?order=asc&limit=10`));
    expect(items.data[0].content[0].text).toBe(DOCUMENT);

    // Once nothing continues from it, the sweep takes the row and its parts in one round.
    expect((await byId(key, second.id, 'DELETE')).status).toBe(200);
    await sweep();
    expect(await partsOf(first.id)).toBe(0);
    const row = await env.DB.prepare('SELECT id FROM stored_responses WHERE id = ?').bind(first.id).first();
    expect(row).toBeNull();
  });

  it('refuses, before reading them, stored rows larger together than four times maxBodyBytes', async () => {
    const key = await setup();
    const first = await answered(await responses(key, { model: 'claude', input: 'Hi' }));
    const second = await answered(
      await responses(key, { model: 'claude', input: 'Again', previous_response_id: first.id }),
    );
    // A row's size is what it adds to a conversation: its input items and output items, as JSON.
    const row = await env.DB.prepare('SELECT size FROM stored_responses WHERE id = ?')
      .bind(second.id)
      .first<{ size: number }>();
    expect(row?.size).toBe(
      JSON.stringify([{ type: 'message', role: 'user', content: 'Again' }]).length +
        JSON.stringify(second.output).length,
    );

    // The first turn now says it is past the bound (8 MiB × 4); its JSON is as small as ever.
    await env.DB.prepare('UPDATE stored_responses SET size = ? WHERE id = ?')
      .bind(4 * 8 * 1024 * 1024 + 1, first.id)
      .run();
    const continued = await responses(key, {
      model: 'claude',
      input: 'More',
      previous_response_id: second.id,
    });
    expect(continued.status).toBe(413);
    expect(((await continued.json()) as Json).error).toMatchObject({
      code: 'request_too_large',
      param: 'input',
    });
    const referenced = await responses(key, {
      model: 'claude',
      input: [{ type: 'item_reference', id: first.output[0].id }],
    });
    expect(referenced.status).toBe(413);
    const listed = await byId(key, `${second.id}/input_items`);
    expect(listed.status).toBe(400);
    expect(((await listed.json()) as Json).error).toMatchObject({
      code: 'conversation_too_large',
      param: null,
    });
    expect(recorded).toHaveLength(2);
    // The row itself is read by its id as ever.
    expect((await byId(key, first.id)).status).toBe(200);
  });
});
