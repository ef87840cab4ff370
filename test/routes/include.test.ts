// `include` wherever OpenAI takes it — POST /v1/responses, GET /v1/responses/{id}, …/input_items, and a
// conversation's item routes — taken with OpenAI's values (as the OpenAI SDK sends a list in a query:
// `include[]=…`) and refused with any other, as OpenAI refuses it, before anything is read or sent.

import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { claudeAnswering } from '../helpers/claude-turns';
import { answeredJson, call, type Json, responses } from '../helpers/gateway';
import { expectOpenAIShape } from '../helpers/openapi';
import { sdkClient } from '../helpers/responses-upstream';
import { recorded } from '../helpers/upstream';

/** The 400 an SDK call ended with, as OpenAI's error body. */
async function refused(call: Promise<unknown>): Promise<Json> {
  const error = await call.then(
    () => expect.unreachable('answered'),
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(OpenAI.APIError);
  const { status, error: body } = error as InstanceType<typeof OpenAI.APIError>;
  expect(status).toBe(400);
  return body;
}

const BAD = 'reasoning.content' as OpenAI.Responses.ResponseIncludable;

function expectRefused(error: Json, param: string) {
  expectOpenAIShape('ErrorResponse', { error });
  expect(error).toMatchObject({ type: 'invalid_request_error', param, code: 'invalid_value' });
  expect(error.message).toMatch(/^Invalid value: 'reasoning\.content'\. Supported values are: /);
}

describe('include', () => {
  it("refuses an unknown value on POST /v1/responses before any provider, and takes OpenAI's", async () => {
    const key = await claudeAnswering();
    const include = ['message.output_text.logprobs', BAD];
    const answer = await responses(key, { model: 'claude', input: 'Hi', include });
    expect(answer.status).toBe(400);
    expectRefused(((await answer.json()) as Json).error, 'include[1]');
    expect(recorded).toHaveLength(0);

    const taken = await responses(key, {
      model: 'claude',
      input: 'Hi',
      include: ['reasoning.encrypted_content', 'file_search_call.results'],
    });
    expect((await answeredJson(taken)).status).toBe('completed');
  });

  it('checks the include of a stored response read, its input items and a conversation, as the SDK sends it', async () => {
    const key = await claudeAnswering();
    const client = sdkClient(key);
    const stored = await answeredJson(await responses(key, { model: 'claude', input: 'Hi' }));
    const include: OpenAI.Responses.ResponseIncludable[] = [
      'message.input_image.image_url',
      'reasoning.encrypted_content',
    ];
    expect((await client.responses.retrieve(stored.id, { include })).id).toBe(stored.id);
    expect((await client.responses.inputItems.list(stored.id, { include })).data).toHaveLength(1);
    expectRefused(await refused(client.responses.retrieve(stored.id, { include: [BAD] })), 'include[0]');
    expectRefused(
      await refused(client.responses.inputItems.list(stored.id, { include: [...include, BAD] })),
      'include[2]',
    );
    // Repeated, without brackets, as other clients write a list.
    const plain = await call(`/v1/responses/${stored.id}?include=${include[0]}&include=${BAD}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(plain.status).toBe(400);
    expectRefused(((await plain.json()) as Json).error, 'include[1]');

    const { id } = await client.conversations.create({});
    const say = { type: 'message' as const, role: 'user' as const, content: 'Hi' };
    expectRefused(
      await refused(client.conversations.items.create(id, { items: [say], include: [BAD] })),
      'include[0]',
    );
    // Refused before it was added.
    expect((await client.conversations.items.list(id)).data).toHaveLength(0);
    const added = await client.conversations.items.create(id, { items: [say], include });
    const itemId = added.data[0]!.id!;
    expect((await client.conversations.items.list(id, { include })).data).toHaveLength(1);
    expect((await client.conversations.items.retrieve(itemId, { conversation_id: id, include })).id).toBe(
      itemId,
    );
    expectRefused(await refused(client.conversations.items.list(id, { include: [BAD] })), 'include[0]');
    expectRefused(
      await refused(client.conversations.items.retrieve(itemId, { conversation_id: id, include: [BAD] })),
      'include[0]',
    );
  });
});
