// Claude's extended thinking through OpenRouter: its reasoning_details, signed, become the Messages
// API's thinking blocks (JSON and streamed), and go back to OpenRouter in a tool loop; chat clients
// get and send the field as it is.
import { describe, expect, it } from 'vitest';
import { chunk, usageChunk } from '../helpers/chat-chunks';
import { chat, type Json, messages } from '../helpers/gateway';
import {
  ask,
  toolCall as call,
  completion,
  format,
  OPENROUTER,
  redacted,
  openRouterClaudeKey as setup,
  signedText,
} from '../helpers/openrouter-claude';
import { json, onUpstream, recorded, sse } from '../helpers/upstream';

const tools = [
  { name: 'weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
];

describe('/v1/messages with Claude through OpenRouter', () => {
  it('answers with signed and redacted thinking blocks, which go back as reasoning_details', async () => {
    const key = await setup();
    onUpstream(OPENROUTER, () => json(completion));
    const first = await messages(key, {
      model: 'claude',
      max_tokens: 2000,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools,
      messages: [ask],
    });
    expect(first.status).toBe(200);
    const answer: Json = await first.json();
    expect(answer.content).toEqual([
      { type: 'thinking', thinking: 'Look it up.', signature: 'EqsigA' },
      { type: 'redacted_thinking', data: 'opaque' },
      { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } },
    ]);

    const next = await messages(key, {
      model: 'claude',
      max_tokens: 2000,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools,
      messages: [
        ask,
        { role: 'assistant', content: answer.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'Sunny' }] },
      ],
    });
    expect(next.status).toBe(200);
    const assistant = (recorded[1]!.body as Json).messages[1];
    expect(assistant.reasoning_details).toEqual([signedText, redacted]);
    expect(assistant.tool_calls).toEqual([call]);
    expect(assistant).not.toHaveProperty('thinking_blocks');
  });

  it('streams each thinking block with its signature_delta before its stop', async () => {
    const key = await setup();
    const piece = (text: string, signature?: string) => ({
      type: 'reasoning.text',
      text,
      ...(signature === undefined ? {} : { signature }),
      format,
      index: 0,
    });
    onUpstream(OPENROUTER, () =>
      sse([
        chunk({ role: 'assistant', content: '', reasoning: 'Look ', reasoning_details: [piece('Look ')] }),
        chunk({ content: '', reasoning: 'it up.', reasoning_details: [piece('it up.')] }),
        chunk({ content: '', reasoning: null, reasoning_details: [piece('', 'EqsigA')] }),
        chunk({ content: '', reasoning_details: [redacted] }),
        chunk({ tool_calls: [{ index: 0, ...call }] }),
        chunk({}, 'tool_calls'),
        usageChunk,
        'data: [DONE]\n\n',
      ]),
    );
    const response = await messages(key, {
      model: 'claude',
      max_tokens: 2000,
      stream: true,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools,
      messages: [{ role: 'user', content: 'Weather in Bergen?' }],
    });
    expect(response.status).toBe(200);
    const events = (await response.text())
      .split('\n\n')
      .filter((frame) => frame !== '')
      .map((frame) => JSON.parse(frame.split('\n')[1]!.slice(6)));
    const thinking = events.filter((e) => e.index === 0).map((e) => e.delta ?? e.content_block ?? e.type);
    expect(thinking).toEqual([
      { type: 'thinking', thinking: '', signature: '' },
      { type: 'thinking_delta', thinking: 'Look ' },
      { type: 'thinking_delta', thinking: 'it up.' },
      { type: 'signature_delta', signature: 'EqsigA' },
      'content_block_stop',
    ]);
    expect(events.filter((e) => e.index === 1).map((e) => e.content_block ?? e.type)).toEqual([
      { type: 'redacted_thinking', data: 'opaque' },
      'content_block_stop',
    ]);
  });
  it('gives a signature that came after the text began in a block sent back to OpenRouter signed', async () => {
    const key = await setup();
    const piece = (text: string, signature = '') => ({
      type: 'reasoning.text',
      text,
      signature,
      format,
      index: 0,
    });
    onUpstream(OPENROUTER, (_request, entry) =>
      (entry.body as Json).stream !== true
        ? json(completion)
        : sse([
            chunk({
              role: 'assistant',
              content: '',
              reasoning: 'Look it up.',
              reasoning_details: [piece('Look it up.')],
            }),
            chunk({ content: 'Checking.' }),
            chunk({ content: '', reasoning: null, reasoning_details: [piece('', 'EqsigA')] }),
            chunk({ tool_calls: [{ index: 0, ...call }] }),
            chunk({}, 'tool_calls'),
            usageChunk,
            'data: [DONE]\n\n',
          ]),
    );
    const ask = { role: 'user', content: 'Weather in Narvik?' };
    const body = {
      model: 'claude',
      max_tokens: 2000,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools,
    };
    const response = await messages(key, { ...body, stream: true, messages: [ask] });
    const content: Json[] = [];
    for (const frame of (await response.text()).split('\n\n').filter((f) => f !== '')) {
      const event = JSON.parse(frame.split('\n')[1]!.slice(6));
      if (event.type === 'content_block_start') content.push({ ...event.content_block });
      const delta = event.delta ?? {};
      if (delta.type === 'thinking_delta') content[event.index]!.thinking += delta.thinking;
      if (delta.type === 'text_delta') content[event.index]!.text += delta.text;
      if (delta.type === 'input_json_delta') content[event.index]!.input = JSON.parse(delta.partial_json);
    }
    expect(content.map((block) => block.type)).toEqual(['thinking', 'text', 'redacted_thinking', 'tool_use']);

    const next = await messages(key, {
      ...body,
      messages: [
        ask,
        { role: 'assistant', content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'Sunny' }] },
      ],
    });
    expect(next.status).toBe(200);
    const assistant = (recorded[1]!.body as Json).messages[1];
    expect(assistant.reasoning_details).toEqual([{ ...signedText, index: 0 }]);
    expect(assistant.tool_calls).toEqual([call]);
    // The block's unsigned copy, as it streamed, is not sent besides (chat's reasoning_content).
    expect(assistant).not.toHaveProperty('reasoning_content');
  });
});

describe('/v1/chat/completions with OpenRouter: reasoning_details as they are', () => {
  it('relays them in a JSON answer and a stream, and forwards those a client sends back', async () => {
    const key = await setup();
    onUpstream(OPENROUTER, () => json(completion));
    const body = { model: 'claude', messages: [{ role: 'user', content: 'Weather in Tromsø?' }] };
    const answer: Json = await (await chat(key, body)).json();
    expect(answer.choices[0].message.reasoning_details).toEqual([signedText, redacted]);

    const sentBack = {
      model: 'claude',
      messages: [
        body.messages[0],
        { role: 'assistant', content: null, tool_calls: [call], reasoning_details: [signedText, redacted] },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'Sunny' },
      ],
    };
    expect((await chat(key, sentBack)).status).toBe(200);
    expect((recorded[1]!.body as Json).messages[1].reasoning_details).toEqual([signedText, redacted]);
  });

  it('relays streamed fragments unchanged', async () => {
    const key = await setup();
    const fragment = { type: 'reasoning.text', text: '', signature: 'EqsigA', format, index: 0 };
    onUpstream(OPENROUTER, () =>
      sse([
        chunk({
          role: 'assistant',
          content: '',
          reasoning: 'Hm',
          reasoning_details: [{ ...fragment, text: 'Hm', signature: '' }],
        }),
        chunk({ content: '', reasoning: null, reasoning_details: [fragment] }),
        chunk({ content: 'Sunny.' }, 'stop'),
        usageChunk,
        'data: [DONE]\n\n',
      ]),
    );
    const text = await (
      await chat(key, {
        model: 'claude',
        stream: true,
        messages: [{ role: 'user', content: 'Weather in Bodø?' }],
      })
    ).text();
    expect(text).toContain(`"reasoning_details":[${JSON.stringify(fragment)}]`);
  });
});
