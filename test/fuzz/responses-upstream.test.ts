// Fuzz of the Responses API upstream's translations (src/providers/openai-responses-*.ts): mutated
// chat requests into Responses bodies, mutated Responses answers and event streams back into chat.
// Whatever comes in, the translation either returns or refuses with the gateway's own error (a 400
// or a failed attempt) — never a TypeError, which the route would turn into a 500.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors';
import { chatRequest } from '../../src/openai/schemas';
import { createOpenAICompatible } from '../../src/providers/openai-compatible';
import { toResponsesRequest } from '../../src/providers/openai-responses-request';
import { UpstreamError } from '../../src/providers/types';
import { SCALE, SEED, scaledTimeout } from './harness';
import { rngFrom } from './prng';
import { CHAT_EXAMPLES, CHAT_KEYS } from './public-cases';
import { mutateTree, type Tree } from './values';

const CASES = Math.max(1, Math.round(1500 * SCALE));

/** What a translation may throw: the gateway's refusal or a failed attempt, nothing else. */
function expected(error: unknown): boolean {
  return error instanceof GatewayError || error instanceof UpstreamError;
}

const ANSWER: { [key: string]: Tree } = {
  id: 'resp_1',
  object: 'response',
  created_at: 1_760_000_000,
  status: 'completed',
  model: 'gpt-5.1-codex',
  output: [
    {
      type: 'reasoning',
      id: 'rs_1',
      summary: [{ type: 'summary_text', text: 'Plan.' }],
      encrypted_content: 'gA',
    },
    {
      type: 'message',
      role: 'assistant',
      content: [
        {
          type: 'output_text',
          text: 'Hi',
          annotations: [
            { type: 'url_citation', start_index: 0, end_index: 2, url: 'https://x.test', title: 'X' },
          ],
        },
      ],
    },
    { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'look', arguments: '{}' },
    { type: 'custom_tool_call', id: 'ctc_1', call_id: 'call_2', name: 'apply_patch', input: 'diff' },
  ],
  usage: {
    input_tokens: 10,
    input_tokens_details: { cached_tokens: 2 },
    output_tokens: 5,
    output_tokens_details: { reasoning_tokens: 3 },
    total_tokens: 15,
  },
};

const EVENTS: { [key: string]: Tree }[] = [
  { type: 'response.created', response: { ...ANSWER, status: 'in_progress', output: [] } },
  {
    type: 'response.output_item.added',
    output_index: 0,
    item: { type: 'reasoning', id: 'rs_1', summary: [] },
  },
  { type: 'response.reasoning_summary_part.added', output_index: 0, summary_index: 1 },
  { type: 'response.reasoning_summary_text.delta', output_index: 0, summary_index: 0, delta: 'Plan.' },
  { type: 'response.output_item.done', output_index: 0, item: (ANSWER.output as Tree[])[0] as Tree },
  { type: 'response.content_part.added', output_index: 1, content_index: 0 },
  { type: 'response.output_text.delta', output_index: 1, content_index: 0, delta: 'Hi' },
  {
    type: 'response.output_text.annotation.added',
    output_index: 1,
    annotation: { type: 'url_citation', start_index: 0, end_index: 2, url: 'https://x.test', title: 'X' },
  },
  { type: 'response.refusal.delta', output_index: 1, delta: 'No' },
  { type: 'response.output_item.added', output_index: 2, item: (ANSWER.output as Tree[])[2] as Tree },
  { type: 'response.function_call_arguments.delta', output_index: 2, delta: '{"a":' },
  { type: 'response.output_item.done', output_index: 2, item: (ANSWER.output as Tree[])[2] as Tree },
  { type: 'response.custom_tool_call_input.delta', output_index: 3, delta: 'x' },
  { type: 'response.completed', response: ANSWER },
];
const EVENT_KEYS = [
  'type',
  'output_index',
  'summary_index',
  'delta',
  'item',
  'annotation',
  'response',
  'error',
];
const ANSWER_KEYS = ['status', 'output', 'usage', 'incomplete_details', 'error', 'service_tier', 'summary'];

function adapter(answer: () => Response) {
  const fetch = (async () => answer()) as unknown as typeof globalThis.fetch;
  return createOpenAICompatible(
    'openai',
    { type: 'openai', apiKey: 'sk', responsesApi: true },
    { env, fetch },
  );
}

describe('fuzz: the Responses API upstream translations', () => {
  it(
    'turns mutated chat requests into Responses bodies, or refuses them with a 400',
    () => {
      const rng = rngFrom(SEED ^ 0x5e5);
      let translated = 0;
      for (let i = 0; i < CASES; i++) {
        const tree = structuredClone(rng.pick(CHAT_EXAMPLES));
        for (let m = rng.int(1, 3); m > 0; m--) mutateTree(rng, tree, CHAT_KEYS);
        let parsed: ReturnType<typeof chatRequest.safeParse>;
        try {
          parsed = chatRequest.safeParse(JSON.parse(JSON.stringify(tree)));
        } catch {
          continue; // not JSON any more (a raw number): the route's 400 before any translation
        }
        if (!parsed.success) continue;
        try {
          JSON.stringify(toResponsesRequest(parsed.data, 'gpt-5.1-codex', { provider: 'openai' }));
          translated++;
        } catch (error) {
          expect(expected(error), `case ${i} (seed ${SEED}): ${String(error)}`).toBe(true);
        }
      }
      expect(translated).toBeGreaterThan(0);
    },
    scaledTimeout(60_000),
  );

  it(
    'reads mutated JSON answers as completions, or fails the attempt',
    async () => {
      const rng = rngFrom(SEED ^ 0xa45);
      for (let i = 0; i < CASES; i++) {
        const tree = structuredClone(ANSWER);
        for (let m = rng.int(1, 3); m > 0; m--) mutateTree(rng, tree, ANSWER_KEYS);
        const text = JSON.stringify(tree);
        const call = adapter(() => new Response(text, { headers: { 'content-type': 'application/json' } }));
        const result = await call
          .chat({
            body: chatRequest.parse({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
            model: 'gpt-5.1-codex',
            signal: new AbortController().signal,
            requestId: `r${i}`,
          })
          .catch((error: unknown) => {
            expect(expected(error), `case ${i} (seed ${SEED}): ${String(error)}`).toBe(true);
            return undefined;
          });
        if (result) expect(result.kind).toBe('json');
      }
    },
    scaledTimeout(60_000),
  );

  it(
    'translates mutated event streams into chat chunks ending in [DONE], or fails the attempt',
    async () => {
      const rng = rngFrom(SEED ^ 0x57e);
      for (let i = 0; i < Math.ceil(CASES / 3); i++) {
        const events = EVENTS.filter(() => rng.chance(0.85)).map((event) => structuredClone(event));
        for (let m = rng.int(1, 3); m > 0 && events.length > 0; m--)
          mutateTree(rng, rng.pick(events), EVENT_KEYS);
        const sse = events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join('');
        const call = adapter(() => new Response(sse, { headers: { 'content-type': 'text/event-stream' } }));
        try {
          const result = await call.chat({
            body: chatRequest.parse({
              model: 'm',
              stream: true,
              messages: [{ role: 'user', content: 'hi' }],
            }),
            model: 'gpt-5.1-codex',
            signal: new AbortController().signal,
            requestId: `r${i}`,
          });
          if (result.kind !== 'stream') throw new Error('not a stream');
          const text = await new Response(result.body).text();
          // Nothing said (an empty stream fails the attempt at the route), or a whole stream.
          if (text !== '')
            expect(text.endsWith('data: [DONE]\n\n'), `case ${i}: ${text.slice(-200)}`).toBe(true);
        } catch (error) {
          expect(expected(error), `case ${i} (seed ${SEED}): ${String(error)}`).toBe(true);
        }
      }
    },
    scaledTimeout(60_000),
  );
});
