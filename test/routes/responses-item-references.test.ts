// Items of stored responses on /v1/responses: `item_reference` input items resolved to the stored
// item they name (as the AI SDK's OpenAI provider sends earlier turns), through any provider, and
// GET /v1/responses/{id}/input_items listing a stored response's input page by page.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { anthropicMessage, anthropicStream, type StreamedBlock } from '../helpers/anthropic-sse';
import {
  answeredJson,
  call,
  claudeConfig,
  createKey,
  type Json,
  putConfig,
  responses,
} from '../helpers/gateway';
import { expectItemNotFound } from '../helpers/item-not-found';
import { expectOpenAIShape, responseEvents } from '../helpers/openapi';
import { json, onUpstream, recorded } from '../helpers/upstream';

const ANTHROPIC_URL = 'https://anthropic.test';

/** Claude behind the alias `claude`, answering each call with the next of `replies`; a new key. */
async function setup(replies: StreamedBlock[][], extra: Json = {}) {
  const response = await putConfig(claudeConfig(ANTHROPIC_URL, extra));
  expect(response.status, await response.clone().text()).toBe(200);
  let calls = 0;
  onUpstream(`${ANTHROPIC_URL}/v1/messages`, (_request, sent) => {
    const blocks = replies[calls++] ?? [{ type: 'text', text: 'More.' }];
    const stopReason = blocks.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn';
    if ((sent.body as Json).stream === true) return anthropicStream(blocks, { stopReason });
    return json(
      anthropicMessage('', {
        id: `msg_${calls}`,
        model: 'claude-sonnet-4-5-20250929',
        content: blocks,
        stop_reason: stopReason,
      }),
    );
  });
  return (await createKey()).key;
}

async function answered(response: Response): Promise<Json> {
  const body = await answeredJson(response);
  expectOpenAIShape('Response', body);
  return body;
}

/** The closing Response of a streamed answer. */
async function streamed(response: Response): Promise<Json> {
  expect(response.status, await response.clone().text()).toBe(200);
  const events: Json[] = responseEvents(await response.text());
  return events.find((event) => event.type === 'response.completed')!.response;
}

function inputItems(key: string, id: string, query = ''): Promise<Response> {
  return call(`/v1/responses/${id}/input_items${query}`, { headers: { authorization: `Bearer ${key}` } });
}

const ref = (id: string) => ({ type: 'item_reference', id });

describe('item references', () => {
  it("sends a referenced assistant message's text to a non-OpenAI provider", async () => {
    const key = await setup([[{ type: 'text', text: 'Hello Ada.' }], [{ type: 'text', text: 'Ada.' }]]);
    const first = await streamed(
      await responses(key, { model: 'claude', input: 'My name is Ada.', stream: true }),
    );
    const message = first.output[0];
    expect(message.type).toBe('message');

    // As the AI SDK sends a second turn when store is left on: the user's turn whole, the answer by id.
    const second = await answered(
      await responses(key, {
        model: 'claude',
        input: [
          { role: 'user', content: [{ type: 'input_text', text: 'My name is Ada.' }] },
          ref(message.id),
          { role: 'user', content: [{ type: 'input_text', text: 'What is my name?' }] },
        ],
      }),
    );
    expect(second.output[0].content[0].text).toBe('Ada.');
    expect((recorded[1]!.body as Json).messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'My name is Ada.' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello Ada.' }] },
      { role: 'user', content: [{ type: 'text', text: 'What is my name?' }] },
    ]);
  });

  it('resolves a referenced function call, answered by its function_call_output', async () => {
    const call1 = { type: 'tool_use' as const, id: 'toolu_1', name: 'weather', input: { city: 'Paris' } };
    const key = await setup([[call1], [{ type: 'text', text: 'Sunny.' }]]);
    const tools = [{ type: 'function', name: 'weather', parameters: { type: 'object', properties: {} } }];
    const first = await answered(
      await responses(key, { model: 'claude', input: 'Weather in Paris?', tools }),
    );
    const fc = first.output.find((item: Json) => item.type === 'function_call');
    expect(fc).toMatchObject({ call_id: 'toolu_1', name: 'weather' });

    const second = await answered(
      await responses(key, {
        model: 'claude',
        tools,
        input: [
          { role: 'user', content: 'Weather in Paris?' },
          ref(fc.id),
          { type: 'function_call_output', call_id: 'toolu_1', output: 'sunny, 21°C' },
        ],
      }),
    );
    expect(second.output[0].content[0].text).toBe('Sunny.');
    expect((recorded[1]!.body as Json).messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny, 21°C' }] },
    ]);

    // The second response's input lists the call by its id, with the output after it.
    const listed = await inputItems(key, second.id, '?order=asc');
    expect(listed.status).toBe(200);
    const list: Json = await listed.json();
    expectOpenAIShape('ResponseItemList', list);
    expect(list.data.map((item: Json) => [item.type, item.id])).toEqual([
      ['message', `in_${second.id.slice(5)}_0`],
      ['function_call', fc.id],
      ['function_call_output', `in_${second.id.slice(5)}_2`],
    ]);
  });

  it("answers OpenAI's 404 for an unknown item, another key's or an expired one, before any provider", async () => {
    const key = await setup([[{ type: 'text', text: 'Hello.' }]]);
    const first = await answered(await responses(key, { model: 'claude', input: 'Hi' }));
    const other = (await createKey()).key;
    const own = first.output[0].id;
    const cases: [string, string][] = [
      [key, 'msg_unknown'],
      [key, own.replace(/^msg_/, 'fc_').concat('_3')],
      [other, own],
    ];
    for (const [asker, id] of cases) {
      const response = await responses(asker, {
        model: 'claude',
        input: [{ role: 'user', content: 'x' }, ref(id)],
      });
      await expectItemNotFound(response, id);
    }
    await env.DB.prepare('UPDATE stored_responses SET expires_at = ? WHERE id = ?')
      .bind(Date.now() - 1, first.id)
      .run();
    const expired = await responses(key, { model: 'claude', input: [ref(own)] });
    expect(expired.status).toBe(404);
    expect(recorded).toHaveLength(1);
  });
});

describe('resolved stored items, checked', () => {
  it("refuses an item the previous response's conversation holds already, as OpenAI does", async () => {
    const key = await setup([[{ type: 'text', text: 'Hello Ada.' }]]);
    const first = await answered(await responses(key, { model: 'claude', input: 'My name is Ada.' }));
    const again = await responses(key, {
      model: 'claude',
      previous_response_id: first.id,
      input: [ref(first.output[0].id), { role: 'user', content: 'What is my name?' }],
    });
    expect(again.status, await again.clone().text()).toBe(400);
    const body: Json = await again.json();
    expectOpenAIShape('ErrorResponse', body);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param: 'input' });
    expect(body.error.message).toBe(
      `Duplicate item found with id ${first.output[0].id}. Remove duplicate items from your input and try again.`,
    );
    // Nothing went upstream, so nothing was stored to list that item twice.
    expect(recorded).toHaveLength(1);
  });

  it('holds what references name to the body limit, however short the body naming them', async () => {
    const key = await setup([[{ type: 'text', text: 'Stored.' }]], { limits: { maxBodyBytes: 65_536 } });
    const text = (letter: string) => ({ role: 'user', content: letter.repeat(30_000) });
    const first = await answered(await responses(key, { model: 'claude', input: [text('a'), text('b')] }));
    const base = first.id.slice('resp_'.length);
    const both = [ref(`in_${base}_0`), ref(`in_${base}_1`)];
    expect((await responses(key, { model: 'claude', input: both })).status).toBe(200);
    // A body well under the limit, naming what it could not send itself.
    const more = await responses(key, { model: 'claude', input: [...both, text('c')] });
    expect(more.status, await more.clone().text()).toBe(413);
    const body: Json = await more.json();
    expectOpenAIShape('ErrorResponse', body);
    expect(body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'request_too_large',
      param: 'input',
    });
    expect(recorded).toHaveLength(2);
  });
});

describe('GET /v1/responses/{id}/input_items', () => {
  it("lists a stored response's whole input, newest first, page by page, each item referenceable", async () => {
    const key = await setup([
      [{ type: 'text', text: 'Hello Ada.' }],
      [{ type: 'text', text: 'Ada.' }],
      [{ type: 'text', text: 'Yes.' }],
    ]);
    const first = await answered(await responses(key, { model: 'claude', input: 'My name is Ada.' }));
    const second = await answered(
      await responses(key, { model: 'claude', previous_response_id: first.id, input: 'What is my name?' }),
    );
    // An input item's id names the response whose request sent it, and its place in that one's input.
    const base = (response: Json) => response.id.slice('resp_'.length);
    const ids = [`in_${base(first)}_0`, first.output[0].id, `in_${base(second)}_0`];

    const all: Json = await (await inputItems(key, second.id)).json();
    expectOpenAIShape('ResponseItemList', all);
    expect(all).toMatchObject({ object: 'list', first_id: ids[2], last_id: ids[0], has_more: false });
    expect(all.data).toEqual([
      {
        type: 'message',
        id: ids[2],
        role: 'user',
        content: [{ type: 'input_text', text: 'What is my name?' }],
      },
      first.output[0],
      {
        type: 'message',
        id: ids[0],
        role: 'user',
        content: [{ type: 'input_text', text: 'My name is Ada.' }],
      },
    ]);

    const page1: Json = await (
      await inputItems(key, second.id, '?order=asc&limit=2&include[]=reasoning.encrypted_content')
    ).json();
    expectOpenAIShape('ResponseItemList', page1);
    expect(page1.data.map((item: Json) => item.id)).toEqual(ids.slice(0, 2));
    expect(page1).toMatchObject({ first_id: ids[0], last_id: ids[1], has_more: true });
    const page2: Json = await (
      await inputItems(key, second.id, `?order=asc&limit=2&after=${page1.last_id}`)
    ).json();
    expect(page2.data.map((item: Json) => item.id)).toEqual([ids[2]]);
    expect(page2.has_more).toBe(false);

    // A listed input item may be referenced by its id, as OpenAI's may.
    await answered(await responses(key, { model: 'claude', input: [ref(ids[0]!), ref(ids[2]!)] }));
    // Two user turns in a row: one Anthropic message of both texts.
    expect((recorded[2]!.body as Json).messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'My name is Ada.' },
          { type: 'text', text: 'What is my name?' },
        ],
      },
    ]);
  });

  it('refuses unknown, repeated or out-of-range parameters, and answers 404 for another key', async () => {
    const key = await setup([[{ type: 'text', text: 'Hello.' }]]);
    const first = await answered(await responses(key, { model: 'claude', input: 'Hi' }));
    for (const [query, param, code] of [
      ['?page=2', 'page', 'unknown_parameter'],
      ['?limit=0', 'limit', null],
      ['?limit=101', 'limit', null],
      ['?order=up', 'order', null],
      ['?limit=1&limit=2', 'limit', null],
      ['?after=msg_nope', 'after', null],
    ] as const) {
      const response = await inputItems(key, first.id, query);
      expect(response.status, query).toBe(400);
      const body: Json = await response.json();
      expectOpenAIShape('ErrorResponse', body);
      expect(body.error, query).toMatchObject({ type: 'invalid_request_error', param, code });
    }
    const other = (await createKey()).key;
    const hidden = await inputItems(other, first.id);
    expect(hidden.status).toBe(404);
    const refused: Json = await hidden.json();
    expect(refused.error.message).toBe(`Response with id '${first.id}' not found.`);
  });
});
