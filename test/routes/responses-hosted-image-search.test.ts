// The hosted tool charges beyond a per-call fee on /v1/responses: the fixed block of input tokens
// OpenAI bills a web search's content on gpt-4o-mini and gpt-4.1-mini, and the images of the
// image_generation tool (per image when its price is known, else a bound), in JSON answers and
// streams, and in the budget's reservation.
import { describe, expect, it } from 'vitest';
import { createKey, type Json, responses as postResponses, putConfig } from '../helpers/gateway';
import {
  messageItem,
  opening,
  responseObject,
  responsesStream,
  textEvents,
  USAGE,
} from '../helpers/responses-upstream';
import { json, onUpstream, recorded, sse } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';

const OPENAI = 'https://api.openai.com/v1/responses';

/** One OpenAI target serving `model`; `pricing`: the config's prices (none: the bundled ones). */
async function setup(model: string, pricing: Json = {}) {
  const config = {
    providers: { direct: { type: 'openai', apiKey: 'sk-direct' } },
    models: { web: { targets: [{ provider: 'direct', model }] } },
    pricing,
    retry: { attempts: 0 },
  };
  const response = await putConfig(config);
  expect(response.status, await response.clone().text()).toBe(200);
}

function responses(key: string, body: unknown, id: string): Promise<Response> {
  return postResponses(key, body, { 'x-request-id': id });
}

const ask = (tools: Json[], extra: Json = {}) => ({ model: 'web', input: 'Look it up.', tools, ...extra });

/**
 * The upstream answering `calls` and a message as JSON, or (`stream`) as events ending in
 * response.completed.
 */
function answerWith(model: string, calls: Json[], stream: boolean) {
  const completed = responseObject({ model, output: [...calls, messageItem('Done.')] });
  if (!stream) return onUpstream(OPENAI, () => json(completed));
  const items = calls.flatMap((item, output_index) => [
    { type: 'response.output_item.added', output_index, item: { ...item, status: 'in_progress' } },
    { type: 'response.output_item.done', output_index, item },
  ]);
  const frames = responsesStream([
    ...opening(),
    ...items,
    ...textEvents(calls.length, ['Done.']),
    { type: 'response.completed', response: completed },
  ]);
  onUpstream(OPENAI, () => sse(frames));
}

const search = {
  id: 'ws_1',
  type: 'web_search_call',
  status: 'completed',
  action: { type: 'search', query: 'q' },
};
const image = (fields: Json = {}) => ({
  id: 'ig_1',
  type: 'image_generation_call',
  status: 'completed',
  result: 'aGk=',
  ...fields,
});

/** USAGE's tokens at gpt-4o-mini's $0.15 input, $0.075 cached, $0.60 output per million. */
const MINI_TOKENS = (176 * 0.15 + 1_024 * 0.075 + 300 * 0.6) / 1e6;

describe('search content blocks', () => {
  for (const stream of [false, true])
    it(`charges 8,000 input tokens a web search on gpt-4o-mini beside its fee (${stream ? 'stream' : 'JSON'})`, async () => {
      await setup('gpt-4o-mini');
      const { key } = await createKey();
      answerWith('gpt-4o-mini', [search], stream);
      const id = `block-${stream}`;
      const response = await responses(key, ask([{ type: 'web_search' }], { stream }), id);
      expect(response.status, await response.clone().text()).toBe(200);
      await response.text();
      const row = (await waitForRows([id])).get(id)!;
      expect(row.inputTokens).toBe(USAGE.input_tokens);
      expect(row.costUsd).toBeCloseTo(MINI_TOKENS + 0.01 + (8_000 * 0.15) / 1e6, 12);
      expect(row.usageDetail).toMatchObject({
        hostedTools: { web_search: 1, search_content_block: 1 },
        hostedToolsUsd: 0.01,
      });
    });

  it('charges no block on a model that bills the content it read', async () => {
    await setup('gpt-4o');
    const { key } = await createKey();
    answerWith('gpt-4o', [search], false);
    expect((await responses(key, ask([{ type: 'web_search' }]), 'no-block')).status).toBe(200);
    const row = (await waitForRows(['no-block'])).get('no-block')!;
    expect(row.usageDetail?.hostedTools).toEqual({ web_search: 1 });
  });

  it('reserves a block for each search the request may make on a model that bills one', async () => {
    // $1 per million input tokens, output free: two searches' fees are $0.02, their blocks $0.016.
    await setup('gpt-4o-mini', { 'direct/gpt-4o-mini': { inputPerMTok: 1, outputPerMTok: 0 } });
    const body = ask([{ type: 'web_search' }], { max_tool_calls: 2 });
    const tight = await createKey({ budget: { usd: 0.03, period: 'month' } });
    const refused = await responses(tight.key, body, 'block-refused');
    expect(refused.status).toBe(402);
    const error = (await refused.json<Json>()).error as Json;
    expect(error).toMatchObject({ code: 'budget_exceeded' });
    // The tools' fees it names are what was reserved for them: the blocks beside the searches' fees.
    expect(error.message).toContain(
      "Of that, $0.036 is its hosted tools' fees for 2 calls (as its max_tool_calls allows): lower max_tool_calls or raise the budget.",
    );
    expect(recorded).toHaveLength(0);
    const room = await createKey({ budget: { usd: 0.04, period: 'month' } });
    answerWith('gpt-4o-mini', [], false);
    expect((await responses(room.key, body, 'block-admitted')).status).toBe(200);
  });
});

describe('image generation', () => {
  const free = { 'direct/gpt-5.1': { inputPerMTok: 0, outputPerMTok: 0 } };

  for (const stream of [false, true])
    it(`charges an image at its model's price by the quality and size it was made at (${stream ? 'stream' : 'JSON'})`, async () => {
      await setup('gpt-5.1', free);
      const { key } = await createKey();
      const made = image({
        quality: 'high',
        size: '1024x1536',
        output_format: 'png',
        revised_prompt: 'A cat.',
      });
      answerWith('gpt-5.1', [made], stream);
      const tools = [{ type: 'image_generation', model: 'gpt-image-1-mini', quality: 'auto' }];
      const id = `image-${stream}`;
      const response = await responses(key, ask(tools, { stream }), id);
      expect(response.status, await response.clone().text()).toBe(200);
      await response.text();
      const row = (await waitForRows([id])).get(id)!;
      expect(row.costUsd).toBeCloseTo(0.052, 12);
      expect(row.usageDetail).toMatchObject({ hostedTools: { gpt_image_1_mini_high_1536: 1 } });
    });

  it("charges the bound per image when the tool leaves the model to OpenAI, whose price the answer doesn't tell", async () => {
    await setup('gpt-5.1', free);
    const { key } = await createKey();
    answerWith('gpt-5.1', [image({ quality: 'low', size: '1024x1024' }), image({ id: 'ig_2' })], false);
    expect((await responses(key, ask([{ type: 'image_generation' }]), 'image-bound')).status).toBe(200);
    const row = (await waitForRows(['image-bound'])).get('image-bound')!;
    expect(row.costUsd).toBeCloseTo(1.5, 12);
    expect(row.usageDetail).toMatchObject({ hostedTools: { image_generation: 2 } });
  });

  it('reserves max_tool_calls images at the most one can cost', async () => {
    await setup('gpt-5.1', free);
    const { key } = await createKey({ budget: { usd: 1, period: 'month' } });
    const refused = await responses(
      key,
      ask([{ type: 'image_generation' }], { max_tool_calls: 2 }),
      'image-402',
    );
    expect(refused.status).toBe(402);
    expect((await refused.json<Json>()).error.message).toContain('could cost up to $1.5,');
    const known = [{ type: 'image_generation', model: 'gpt-image-1', quality: 'medium', size: '1024x1024' }];
    answerWith('gpt-5.1', [], false);
    expect((await responses(key, ask(known, { max_tool_calls: 2 }), 'image-admitted')).status).toBe(200);
  });
});
