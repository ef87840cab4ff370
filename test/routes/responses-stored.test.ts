// Stored responses on /v1/responses: an answer is stored (store true or absent) for the key that
// asked, continued from by `previous_response_id` through any provider, read and deleted by id.
import { createExecutionContext, createScheduledController } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { claudeAnswering } from '../helpers/claude-turns';
import { answeredJson, createKey, type Json, responses, storedResponse } from '../helpers/gateway';
import { expectOpenAIShape, responseEvents } from '../helpers/openapi';
import { recorded } from '../helpers/upstream';

const stored = storedResponse;

const answered = answeredJson;

describe('stored responses', () => {
  it('continues a conversation through Anthropic from previous_response_id, without its instructions', async () => {
    const key = await claudeAnswering();
    const first = await answered(
      await responses(key, { model: 'claude', instructions: 'Be brief.', input: 'My name is Ada.' }),
    );
    expectOpenAIShape('Response', first);
    expect(first).toMatchObject({ store: true, previous_response_id: null });

    const second = await answered(
      await responses(key, { model: 'claude', previous_response_id: first.id, input: 'What is my name?' }),
    );
    expectOpenAIShape('Response', second);
    expect(second).toMatchObject({ store: true, previous_response_id: first.id, instructions: null });
    expect(second.output[0].content[0].text).toBe('Your name is Ada.');
    expect(recorded).toHaveLength(2);
    const upstream = recorded[1]!.body as Json;
    expect(upstream.system).toBeUndefined();
    expect(upstream.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'My name is Ada.' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello Ada.' }] },
      { role: 'user', content: [{ type: 'text', text: 'What is my name?' }] },
    ]);

    // A third turn carries the first two: the second stored the whole conversation it sent.
    await answered(await responses(key, { model: 'claude', previous_response_id: second.id, input: 'Bye' }));
    expect((recorded[2]!.body as Json).messages.map((m: Json) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
      'user',
    ]);
  });

  it("refuses an unknown id, or another key's, as OpenAI does, before any provider is asked", async () => {
    const key = await claudeAnswering();
    const first = await answered(await responses(key, { model: 'claude', input: 'Hi' }));
    const other = (await createKey()).key;
    for (const [asker, id] of [
      [key, 'resp_unknown'],
      [other, first.id],
    ]) {
      const response = await responses(asker, { model: 'claude', previous_response_id: id, input: 'Again' });
      expect(response.status).toBe(400);
      const body: Json = await response.json();
      expectOpenAIShape('ErrorResponse', body);
      expect(body.error).toEqual({
        message: `Previous response with id '${id}' not found.`,
        type: 'invalid_request_error',
        param: 'previous_response_id',
        code: 'previous_response_not_found',
      });
    }
    expect(recorded).toHaveLength(1);
    expect((await stored(other, first.id)).status).toBe(404);
  });

  it('names a refused item of a continuation by its place in the input the client sent', async () => {
    const key = await claudeAnswering();
    const first = await answered(await responses(key, { model: 'claude', input: 'Hi' }));
    const refusal = async (body: Json): Promise<Json> => {
      const response = await responses(key, { model: 'claude', ...body });
      expect(response.status).toBe(400);
      const { error }: Json = await response.json();
      return error;
    };
    // The conversation before it (two items) goes first: the client's item 1 is the resolved input's 3.
    const own = await refusal({
      previous_response_id: first.id,
      input: [{ role: 'user', content: 'And?' }, { type: 'bogus' }],
    });
    expect(own.param).toBe('input[1].type');
    expect(own.message).toContain("'input[1].type'");
    const content = await refusal({ previous_response_id: first.id, input: [{ role: 'user', content: 5 }] });
    expect(content.param).toBe('input[0].content');
    expect(content.message).toContain("'input[0].content'");

    // An item of the stored conversation the gateway now refuses names what brought it.
    await env.DB.prepare('UPDATE stored_responses SET input = ? WHERE id = ?')
      .bind(JSON.stringify([{ type: 'bogus' }]), first.id)
      .run();
    const stored = await refusal({ previous_response_id: first.id, input: 'Again' });
    expect(stored.param).toBe('previous_response_id');
    expect(stored.message).toMatch(/^An item of the previous response's conversation is refused: /);
    expect(recorded).toHaveLength(1);
  });

  it('refuses an input item that is not an object in a continuation with a 400 naming it', async () => {
    const key = await claudeAnswering();
    const first = await answered(await responses(key, { model: 'claude', input: 'Hi' }));
    const response = await responses(key, {
      model: 'claude',
      previous_response_id: first.id,
      input: [{ role: 'user', content: 'And?' }, null],
    });
    expect(response.status).toBe(400);
    const body: Json = await response.json();
    expectOpenAIShape('ErrorResponse', body);
    expect(body.error.param).toMatch(/^input\[1\]/);
    expect(recorded).toHaveLength(1);
  });

  it('stores nothing with store: false', async () => {
    const key = await claudeAnswering();
    const first = await answered(await responses(key, { model: 'claude', input: 'Hi', store: false }));
    expect(first.store).toBe(false);
    expect((await stored(key, first.id)).status).toBe(404);
    // The same request without store is stored.
    const kept = await answered(await responses(key, { model: 'claude', input: 'Hi' }));
    expect((await stored(key, kept.id)).status).toBe(200);
    const next = await responses(key, { model: 'claude', previous_response_id: first.id, input: 'Again' });
    expect(next.status).toBe(400);
  });

  it('stores nothing for a zero-retention key that leaves store out', async () => {
    await claudeAnswering();
    const { key } = await createKey({ zdr: true });
    const first = await answered(await responses(key, { model: 'claude', input: 'Hi' }));
    expect(first.store).toBe(false);
    const rows = await env.DB.prepare('SELECT id FROM stored_responses WHERE id = ?').bind(first.id).all();
    expect(rows.results).toHaveLength(0);
    expect((await stored(key, first.id)).status).toBe(404);
  });

  it('retrieves a stored response as answered, and deletes it', async () => {
    const key = await claudeAnswering();
    const first = await answered(
      await responses(key, { model: 'claude', input: 'Hi', metadata: { a: 'b' } }),
    );
    const read = await stored(key, first.id);
    expect(await answered(read)).toEqual(first);

    const deleted = await stored(key, first.id, 'DELETE');
    expect(await answered(deleted)).toEqual({ id: first.id, object: 'response', deleted: true });
    for (const method of ['GET', 'DELETE']) {
      const gone = await stored(key, first.id, method);
      expect(gone.status).toBe(404);
      const body: Json = await gone.json();
      expectOpenAIShape('ErrorResponse', body);
      expect(body.error).toMatchObject({
        type: 'invalid_request_error',
        message: expect.stringContaining(first.id),
      });
    }
    const next = await responses(key, { model: 'claude', previous_response_id: first.id, input: 'Again' });
    expect(next.status).toBe(400);
    // Another method on a stored response's path is a 405 naming the two it takes.
    const posted = await stored(key, first.id, 'POST');
    expect(posted.status).toBe(405);
    expect(posted.headers.get('allow')).toBe('DELETE, GET');
    // Without a valid key, nothing is read.
    expect((await stored('tg-not-a-key', first.id)).status).toBe(401);
  });

  it('stores a streamed answer once it ends, and continues from it', async () => {
    const key = await claudeAnswering();
    const stream = await responses(key, { model: 'claude', input: 'My name is Ada.', stream: true });
    expect(stream.status).toBe(200);
    const events: Json[] = responseEvents(await stream.text());
    const created = events.find((event) => event.type === 'response.created')!;
    const completed = events.find((event) => event.type === 'response.completed')!;
    expect(created.response.store).toBe(true);
    expect(completed.response.store).toBe(true);
    const id = completed.response.id;

    expect(await answered(await stored(key, id))).toEqual(completed.response);
    const second = await answered(
      await responses(key, { model: 'claude', previous_response_id: id, input: 'What is my name?' }),
    );
    expect(second.previous_response_id).toBe(id);
    expect((recorded[1]!.body as Json).messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'My name is Ada.' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello Ada.' }] },
      { role: 'user', content: [{ type: 'text', text: 'What is my name?' }] },
    ]);
  });

  it('never reads an expired response, and the hourly cron deletes it', async () => {
    const key = await claudeAnswering();
    const first = await answered(await responses(key, { model: 'claude', input: 'Hi' }));
    await env.DB.prepare('UPDATE stored_responses SET expires_at = ? WHERE id = ?')
      .bind(Date.now() - 1, first.id)
      .run();
    expect((await stored(key, first.id)).status).toBe(404);
    const next = await responses(key, { model: 'claude', previous_response_id: first.id, input: 'Again' });
    expect(next.status).toBe(400);
    await worker.scheduled(
      createScheduledController({ scheduledTime: Date.now(), cron: '7 * * * *' }),
      env,
      createExecutionContext(),
    );
    const rows = await env.DB.prepare('SELECT id FROM stored_responses WHERE id = ?').bind(first.id).all();
    expect(rows.results).toHaveLength(0);
  });

  it("keeps an answer the config's responses.storeDays, and none with 0", async () => {
    const key = await claudeAnswering(undefined, { responses: { storeDays: 7 } });
    const first = await answered(await responses(key, { model: 'claude', input: 'Hi' }));
    const row = await env.DB.prepare('SELECT created_at, expires_at FROM stored_responses WHERE id = ?')
      .bind(first.id)
      .first<{ created_at: number; expires_at: number }>();
    expect(row && row.expires_at - row.created_at).toBe(7 * 86_400_000);

    const off = await claudeAnswering(undefined, { responses: { storeDays: 0 } });
    const unkept = await answered(await responses(off, { model: 'claude', input: 'Hi' }));
    expect(unkept.store).toBe(false);
    const rows = await env.DB.prepare('SELECT id FROM stored_responses WHERE id = ?').bind(unkept.id).all();
    expect(rows.results).toHaveLength(0);
    const next = await responses(off, { model: 'claude', previous_response_id: unkept.id, input: 'Again' });
    expect(next.status).toBe(400);
  });
});
