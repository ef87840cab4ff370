// Prompt rules on what reaches the model besides the messages' text (src/guardrails/prompt-subtrees.ts):
// tool descriptions and parameter schemas, a json_schema response format, and fields a message or a
// content part carries beyond the known shape, which OpenAI-wire providers send as they are.
import { describe, expect, it } from 'vitest';
import { chat, type Json, OPENAI_URL } from '../helpers/gateway';
import { json, onUpstream, recorded } from '../helpers/upstream';
import { CHAT_URL, completion, guardedKey } from './helpers';

const EMAIL = { name: 'emails', detect: ['email'], action: 'redact' };
const FALCON = { name: 'no-falcon', keywords: ['falcon'], action: 'block' };
const hi = [{ role: 'user', content: 'hi' }];

/** A tool whose parameters schema has one property, `to`, described by `about`. */
const mailTool = (description: string, about: string) => ({
  type: 'function',
  function: {
    name: 'send_mail',
    description,
    parameters: {
      type: 'object',
      properties: { to: { type: 'string', description: about }, falcon: { type: 'boolean' } },
      required: ['to', 'falcon'],
    },
  },
});
const jsonSchema = (description: string, schema: Record<string, unknown> = { type: 'object' }) => ({
  type: 'json_schema',
  json_schema: { name: 'answer', description, schema },
});

describe('prompt rules on tool definitions, response schemas and unknown fields', () => {
  it('block a keyword in a tool description, a parameter description, a response schema and an unknown message or part field', async () => {
    const key = await guardedKey([FALCON]);
    onUpstream(CHAT_URL, () => json(completion('ok')));
    for (const extra of [
      { tools: [mailTool('Mails the falcon team', 'who gets it')] },
      { tools: [mailTool('Sends mail', 'the Falcon desk address')] },
      { response_format: jsonSchema('a report on project falcon') },
      { response_format: jsonSchema('a report', { type: 'string', enum: ['osprey', 'falcon'] }) },
      { messages: [{ role: 'user', content: 'hi', x_note: 'falcon' }] },
      { messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', meta: { tag: 'falcon' } }] }] },
    ]) {
      const response = await chat(key, { model: 'gpt', messages: hi, ...extra });
      expect(response.status, JSON.stringify(extra)).toBe(403);
      expect((await response.json<Json>()).error).toMatchObject({
        code: 'guardrail_blocked',
        message: expect.stringContaining('no-falcon'),
      });
    }
    expect(recorded).toHaveLength(0);
    // Property names are keys, as `required`'s list of them is: not read.
    const passed = await chat(key, { model: 'gpt', messages: hi, tools: [mailTool('Sends mail', 'who')] });
    expect(passed.status).toBe(200);
  });

  it('redact an email in a parameter description in place, property names, types and `required` untouched', async () => {
    const key = await guardedKey([
      EMAIL,
      { name: 'words', keywords: ['falcon', 'string', 'object'], action: 'redact' },
    ]);
    onUpstream(CHAT_URL, () => json(completion('ok')));
    const tool = mailTool('Sends mail', 'default: bob@corp.example');
    const response = await chat(key, {
      model: 'gpt',
      messages: [{ role: 'user', content: 'write to ann@corp.example' }],
      tools: [tool],
    });
    expect(response.status).toBe(200);
    const sent = recorded[0]!.body as Json;
    expect(sent.messages[0].content).toBe('write to [EMAIL_1]');
    expect(sent.tools).toEqual([
      {
        ...tool,
        function: {
          ...tool.function,
          parameters: {
            ...tool.function.parameters,
            properties: {
              ...tool.function.parameters.properties,
              to: { type: 'string', description: 'default: [EMAIL_2]' },
            },
          },
        },
      },
    ]);
  });

  it('send Anthropic the redacted tool description and schema it translates them into', async () => {
    const ANTHROPIC_URL = 'https://anthropic.test';
    const key = await guardedKey(
      [EMAIL],
      {},
      {
        providers: {
          openai: { type: 'openai', baseUrl: OPENAI_URL, apiKey: 'sk-test-secret' },
          anth: { type: 'anthropic', baseUrl: ANTHROPIC_URL, apiKey: 'sk-ant-secret' },
        },
        models: { gpt: { targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] } },
      },
    );
    onUpstream(`${ANTHROPIC_URL}/v1/messages`, () =>
      json({
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-x',
        content: [{ type: 'text', text: 'ok' }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 5, output_tokens: 2 },
      }),
    );
    const response = await chat(key, {
      model: 'anth/claude-x',
      messages: hi,
      tools: [mailTool('Copies ops@corp.example', 'e.g. bob@corp.example')],
    });
    expect(response.status).toBe(200);
    const [tool] = (recorded[0]!.body as Json).tools;
    expect(tool.description).toBe('Copies [EMAIL_1]');
    expect(tool.input_schema.properties.to.description).toBe('e.g. [EMAIL_2]');
  });

  it("leave a tool call's thought signature as it came, and read the rest of its extra_content", async () => {
    // Google's OpenAI-compatible API, the one service sent a tool call's extra_content as it is.
    const google = 'https://generativelanguage.googleapis.com/v1beta/openai';
    const key = await guardedKey(
      [EMAIL, { name: 'secrets', detect: ['secret'], action: 'redact' }],
      {},
      {
        providers: { google: { type: 'openai', baseUrl: google, apiKey: 'k' } },
        models: { gemini: { targets: [{ provider: 'google', model: 'gemini-3-pro-preview' }] } },
      },
    );
    onUpstream(`${google}/chat/completions`, () => json(completion('ok')));
    // Random-looking, as Gemini's are: read, it would be redacted as a secret, and Gemini refuse it.
    const signature = 'AT+1xBa1s/V5AoKmRPruqAm/D7pOHjrJzpd0Vn205uoAnFdHyCZdizjRIkKTvimOzxLDhHODMovCmgKA';
    const extra = { google: { thought_signature: signature }, note: 'for bob@corp.example' };
    const call = {
      id: 'c1',
      type: 'function',
      function: { name: 'f', arguments: '{}' },
      extra_content: extra,
    };
    const response = await chat(key, {
      model: 'gemini',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: 'c1', content: 'done' },
      ],
    });
    expect(response.status).toBe(200);
    const sent = recorded[0]!.body as Json;
    expect(sent.messages[1].tool_calls[0].extra_content).toEqual({
      google: { thought_signature: signature },
      note: 'for [EMAIL_1]',
    });
  });

  it('send a request byte for byte when no prompt rule applies', async () => {
    const key = await guardedKey([{ name: 'out', keywords: ['falcon'], action: 'block', scope: 'output' }]);
    let raw = '';
    onUpstream(CHAT_URL, async (request) => {
      raw = await request.text();
      return json(completion('ok'));
    });
    const ask = {
      model: 'gpt',
      messages: [{ role: 'user', content: 'hi', x_note: 'falcon bob@corp.example' }],
      tools: [mailTool('Mails the falcon team', 'bob@corp.example')],
      response_format: jsonSchema('project falcon'),
    };
    expect((await chat(key, ask)).status).toBe(200);
    expect(raw).toBe(JSON.stringify({ ...ask, model: 'gpt-4o-mini' }));
  });
});
