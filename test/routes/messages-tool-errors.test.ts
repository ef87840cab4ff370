// /v1/messages with a failed tool's result (`is_error: true`): Claude — Anthropic, Vertex's and
// Bedrock's — gets Anthropic's own flag, any other model a leading "Error:" and no unknown field;
// the flag is part of the exact cache's key.
import { describe, expect, it } from 'vitest';
import { createKey, type Json, messages, OPENAI_URL, putConfig } from '../helpers/gateway';
import { json, onUpstream, recorded } from '../helpers/upstream';

const ANTHROPIC = 'https://anthropic.test/v1/messages';
const VERTEX_CLAUDE = 'claude-sonnet-4-5@20250929';
const VERTEX = `https://aiplatform.googleapis.com/v1/projects/acme-prod/locations/global/publishers/anthropic/models/${VERTEX_CLAUDE}:rawPredict`;
const BEDROCK = 'https://bedrock.upstream.test';
const BEDROCK_CLAUDE = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const BEDROCK_LLAMA = 'meta.llama3-1-70b-instruct-v1:0';
const converse = (model: string) => `${BEDROCK}/model/${encodeURIComponent(model)}/converse`;

const completion = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-5',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'Sorry.', refusal: null },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
};

const claudeAnswer = {
  id: 'msg_up',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5-20250929',
  content: [{ type: 'text', text: 'Sorry.' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 10, output_tokens: 2 },
};

/** A tool loop whose last tool failed (or not, as `result` says). */
const loop = (result: Json) => ({
  model: 'chain',
  max_tokens: 100,
  tools: [{ name: 'read', input_schema: { type: 'object' } }],
  messages: [
    { role: 'user', content: 'Read notes.txt' },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'read', input: {} }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', ...result }] },
  ],
});

async function setup(targets: Json[], extra: Json = {}) {
  const response = await putConfig({
    providers: {
      anthropic: { type: 'anthropic', baseUrl: 'https://anthropic.test', apiKey: 'sk-ant' },
      vertex: { type: 'vertex', project: 'acme-prod', location: 'global', accessToken: 'ya29.test' },
      aws: {
        type: 'bedrock',
        region: 'us-east-1',
        accessKeyId: 'AKIDTEST',
        secretAccessKey: 'test-secret-key',
        baseUrl: BEDROCK,
      },
      openai: { type: 'openai', baseUrl: OPENAI_URL, apiKey: 'sk-test-secret' },
    },
    models: { chain: { targets } },
    retry: { attempts: 0 },
    ...extra,
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await createKey()).key;
}

const unavailable = () => json({ message: 'Service unavailable' }, 503);

describe('a failed tool result (is_error) on /v1/messages', () => {
  it('gives Claude the flag (Anthropic, Vertex, Bedrock) and every other model a leading "Error:"', async () => {
    const key = await setup([
      { provider: 'anthropic', model: 'claude-sonnet-4-5' },
      { provider: 'vertex', model: VERTEX_CLAUDE },
      { provider: 'aws', model: BEDROCK_CLAUDE },
      { provider: 'aws', model: BEDROCK_LLAMA },
      { provider: 'openai', model: 'gpt-5' },
    ]);
    // Each target fails but the last: one request reaches them all.
    onUpstream(ANTHROPIC, () =>
      json({ type: 'error', error: { type: 'overloaded_error', message: 'x' } }, 529),
    );
    onUpstream(VERTEX, () => json({ type: 'error', error: { type: 'overloaded_error', message: 'x' } }, 529));
    onUpstream(converse(BEDROCK_CLAUDE), unavailable);
    onUpstream(converse(BEDROCK_LLAMA), unavailable);
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json(completion));
    const response = await messages(key, loop({ content: 'No such file', is_error: true }));
    expect(response.status, await response.clone().text()).toBe(200);
    const [anthropic, vertex, bedrockClaude, bedrockLlama, openai] = recorded.map((r) => r.body as Json);
    const flagged = { type: 'tool_result', tool_use_id: 'toolu_1', content: 'No such file', is_error: true };
    expect(anthropic.messages[2].content).toEqual([flagged]);
    expect(vertex.messages[2].content).toEqual([flagged]);
    expect(bedrockClaude.messages[2].content).toEqual([
      { toolResult: { toolUseId: 'toolu_1', content: [{ text: 'No such file' }], status: 'error' } },
    ]);
    // Converse documents `status` for Claude and Nova only: a Llama is told in words.
    expect(bedrockLlama.messages[2].content).toEqual([
      { toolResult: { toolUseId: 'toolu_1', content: [{ text: 'Error: No such file' }] } },
    ]);
    // Strict OpenAI-compatible services refuse a message field they do not know.
    expect(openai.messages[2]).toEqual({
      role: 'tool',
      tool_call_id: 'toolu_1',
      content: 'Error: No such file',
    });
  });

  it('keeps apart in the exact cache two requests that differ only in is_error', async () => {
    const key = await setup([{ provider: 'anthropic', model: 'claude-sonnet-4-5' }], {
      cache: { exact: { enabled: true } },
    });
    onUpstream(ANTHROPIC, () => json(claudeAnswer));
    const cached = async (result: Json) => {
      const response = await messages(key, loop(result));
      expect(response.status, await response.clone().text()).toBe(200);
      await response.text();
      return response.headers.get('x-tollgate-cache');
    };
    // The same words: told "Error:" by hand, or flagged. Claude reads them apart.
    expect(await cached({ content: 'Error: No such file' })).toBe('miss');
    expect(await cached({ content: 'No such file', is_error: true })).toBe('miss');
    expect(await cached({ content: 'No such file', is_error: true })).toBe('hit-exact');
    expect(recorded.map((r) => (r.body as Json).messages[2].content[0].is_error)).toEqual([undefined, true]);
  });
});
