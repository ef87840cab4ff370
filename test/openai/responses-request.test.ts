import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors';
import { completionToResponse, responseIds } from '../../src/openai/responses-answer';
import { translateRequest } from '../../src/openai/responses-request';
import { responsesRequest } from '../../src/openai/responses-schema';
import type { Json } from '../helpers/gateway';

function refusal(body: unknown): GatewayError {
  try {
    translateRequest(body);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('translateRequest', () => {
  it("sends an input_image's detail as chat's, `original` (which chat lacks) as `high`", () => {
    const url = 'https://example.com/a.png';
    const { chat } = translateRequest({
      model: 'm',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_image', image_url: url, detail: 'original' },
            { type: 'input_image', image_url: url, detail: 'low' },
          ],
        },
      ],
    });
    expect(chat.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url, detail: 'high' } },
          { type: 'image_url', image_url: { url, detail: 'low' } },
        ],
      },
    ]);
  });

  it('turns files, file ids, refusals and lone function calls into chat messages', () => {
    const { chat, imagesById } = translateRequest({
      model: 'm',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_file', file_data: 'data:application/pdf;base64,AA', filename: 'a.pdf' },
            { type: 'input_file', file_id: 'file-1' },
            { type: 'input_image', file_id: 'file-2', detail: 'auto' },
          ],
        },
        { role: 'assistant', content: [{ type: 'refusal', refusal: 'No.' }] },
        { role: 'user', content: 'ok' },
        { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}', id: 'fc_1', status: 'completed' },
        { type: 'function_call_output', call_id: 'c1', output: [{ type: 'input_text', text: 'done' }] },
      ],
    });
    expect(chat.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'file', file: { file_data: 'data:application/pdf;base64,AA', filename: 'a.pdf' } },
          { type: 'file', file: { file_id: 'file-1' } },
          { type: 'file', file: { file_id: 'file-2' } },
        ],
      },
      { role: 'assistant', content: '', refusal: 'No.' },
      { role: 'user', content: 'ok' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'c1', content: [{ type: 'text', text: 'done' }] },
    ]);
    // The file part that was an input_image: its estimate counts an image, not a file.
    expect(imagesById).toEqual(['auto']);
  });

  it('says which file parts by id were images, in tool outputs too, and none that went by URL', () => {
    const image = (detail?: string) => ({
      type: 'input_image',
      file_id: 'file-img',
      ...(detail ? { detail } : {}),
    });
    const translated = translateRequest({
      model: 'm',
      input: [
        {
          type: 'message',
          role: 'user',
          content: [image('low'), { type: 'input_image', image_url: 'https://x/a.png' }],
        },
        { role: 'developer', content: [{ type: 'input_file', file_id: 'file-doc' }] },
        { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c1', output: [image()] },
      ],
    });
    expect(translated.imagesById).toEqual(['low', undefined]);
    expect(translateRequest({ model: 'm', input: 'hi' })).not.toHaveProperty('imagesById');
  });

  it('forwards unknown parameters, drops store/include, and asks a stream for its usage', () => {
    const { chat } = translateRequest({
      model: 'm',
      input: 'hi',
      stream: true,
      stream_options: { include_obfuscation: false },
      store: true,
      include: ['message.output_text.logprobs'],
      top_logprobs: 2,
      text: { format: { type: 'json_object' }, verbosity: 'low' },
      frequency_penalty: 0.5,
    });
    expect(chat).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      frequency_penalty: 0.5,
      logprobs: true,
      top_logprobs: 2,
      response_format: { type: 'json_object' },
      verbosity: 'low',
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('asks chat for logprobs only when include asks for them, top_logprobs then saying how many', () => {
    const chatOf = (extra: Record<string, unknown>) =>
      translateRequest({ model: 'm', input: 'hi', ...extra }).chat;
    // An SDK's default top_logprobs of 0, or any count, without the include: the Responses API returns none.
    for (const top_logprobs of [0, 3]) {
      const chat = chatOf({ top_logprobs, include: ['reasoning.encrypted_content'] });
      expect(chat).not.toHaveProperty('logprobs');
      expect(chat).not.toHaveProperty('top_logprobs');
    }
    const include = ['message.output_text.logprobs'];
    expect(chatOf({ include })).toMatchObject({ logprobs: true });
    expect(chatOf({ include })).not.toHaveProperty('top_logprobs');
    expect(chatOf({ include, top_logprobs: 0 })).toMatchObject({ logprobs: true, top_logprobs: 0 });
  });

  it('sends parallel_tool_calls and tool_choice only along with tools, which chat requires', () => {
    expect(translateRequest({ model: 'm', input: 'hi', parallel_tool_calls: false }).chat).not.toHaveProperty(
      'parallel_tool_calls',
    );
    // As Codex sends a turn without tools: `auto` without tools is what chat does anyway.
    const bare = translateRequest({ model: 'm', input: 'hi', tools: [], tool_choice: 'auto' }).chat;
    expect(bare).not.toHaveProperty('tool_choice');
    expect(bare).not.toHaveProperty('tools');
    // A choice that demands a call goes on, for the provider to refuse as OpenAI would.
    expect(translateRequest({ model: 'm', input: 'hi', tool_choice: 'required' }).chat.tool_choice).toBe(
      'required',
    );
    const { chat } = translateRequest({
      model: 'm',
      input: 'hi',
      parallel_tool_calls: false,
      tools: [{ type: 'function', name: 'f' }],
    });
    expect(chat.parallel_tool_calls).toBe(false);
  });

  it('names what it cannot translate', () => {
    expect(refusal({ model: 'm', input: [] }).param).toBe('input');
    // A hosted tool is not refused here: the request goes to OpenAI as it is (responses-hosted.ts), or
    // is refused naming it when no target of its route runs hosted tools.
    expect(
      translateRequest({
        model: 'm',
        input: 'x',
        tools: [{ type: 'mcp', server_label: 's' }],
      }).native?.noTarget().param,
    ).toBe('tools[0].type');
    expect(refusal({ model: 'm', input: 'x', tools: [{ type: 'function', name: '' }] }).param).toBe(
      'tools[0].name',
    );
    expect(refusal({ model: 'm', input: [{ type: 'web_search_call', id: 'w' }] }).param).toBe(
      'input[0].type',
    );
    expect(refusal({ model: 'm', input: [{ role: 'tool', content: 'x' }] }).param).toBe('input[0].role');
    const file = refusal({
      model: 'm',
      input: [{ role: 'user', content: [{ type: 'input_file', file_url: 'https://x' }] }],
    });
    expect(file.message).toContain('file_url');
    expect(
      refusal({ model: 'm', input: 'x', text: { format: { type: 'json_schema', schema: {} } } }).param,
    ).toBe('text.format.name');
  });

  describe("Codex's requests", () => {
    const patch = '*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch\n';
    const grammar = 'start: begin_patch hunk+ end_patch';
    /** A turn as Codex sends it (codex-rs ResponsesApiRequest): its tools, its history, its extras. */
    const codex = {
      model: 'gpt-5-codex',
      instructions: 'You are Codex.',
      input: [
        { type: 'message', role: 'developer', content: [{ type: 'input_text', text: '<permissions>' }] },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Add a.txt' }] },
        { type: 'reasoning', summary: [], content: null, encrypted_content: 'gAAAAB-openai-own' },
        {
          type: 'custom_tool_call',
          status: 'completed',
          call_id: 'call_1',
          name: 'apply_patch',
          input: patch,
        },
        { type: 'custom_tool_call_output', call_id: 'call_1', output: 'Exit code: 0\nOutput:\nDone!' },
        { type: 'function_call', name: 'shell', arguments: '{"command":["ls"]}', call_id: 'call_2' },
        { type: 'custom_tool_call', call_id: 'call_3', name: 'apply_patch', input: 'x' },
        { type: 'function_call_output', call_id: 'call_2', output: 'a.txt' },
        { type: 'custom_tool_call_output', call_id: 'call_3', output: [{ type: 'input_text', text: 'bad' }] },
      ],
      tools: [
        {
          type: 'function',
          name: 'shell',
          description: 'Runs a command',
          strict: false,
          parameters: { type: 'object', properties: { command: { type: 'array' } } },
        },
        {
          type: 'custom',
          name: 'apply_patch',
          description: 'Edits files',
          format: { type: 'grammar', syntax: 'lark', definition: grammar },
        },
        { type: 'custom', name: 'notes', format: { type: 'text' } },
      ],
      tool_choice: 'auto',
      parallel_tool_calls: false,
      reasoning: { effort: 'medium', summary: 'auto' },
      store: false,
      stream: true,
      include: ['reasoning.encrypted_content'],
      prompt_cache_key: 'thread-1',
      text: { verbosity: 'low' },
      client_metadata: { 'x-codex-installation-id': 'abc' },
    };

    it('translate custom tools, their calls and outputs to chat, a developer message as system, and drop client_metadata', () => {
      const { chat } = translateRequest(codex);
      expect(chat).toEqual({
        model: 'gpt-5-codex',
        messages: [
          { role: 'system', content: 'You are Codex.' },
          { role: 'system', content: [{ type: 'text', text: '<permissions>' }] },
          { role: 'user', content: [{ type: 'text', text: 'Add a.txt' }] },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'call_1', type: 'custom', custom: { name: 'apply_patch', input: patch } }],
          },
          { role: 'tool', tool_call_id: 'call_1', content: 'Exit code: 0\nOutput:\nDone!' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'call_2',
                type: 'function',
                function: { name: 'shell', arguments: '{"command":["ls"]}' },
              },
              { id: 'call_3', type: 'custom', custom: { name: 'apply_patch', input: 'x' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_2', content: 'a.txt' },
          { role: 'tool', tool_call_id: 'call_3', content: [{ type: 'text', text: 'bad' }] },
        ],
        tools: [
          {
            type: 'function',
            function: {
              name: 'shell',
              description: 'Runs a command',
              parameters: { type: 'object', properties: { command: { type: 'array' } } },
              strict: false,
            },
          },
          {
            type: 'custom',
            custom: {
              name: 'apply_patch',
              description: 'Edits files',
              format: { type: 'grammar', grammar: { definition: grammar, syntax: 'lark' } },
            },
          },
          { type: 'custom', custom: { name: 'notes', format: { type: 'text' } } },
        ],
        tool_choice: 'auto',
        parallel_tool_calls: false,
        prompt_cache_key: 'thread-1',
        reasoning_effort: 'medium',
        verbosity: 'low',
        stream: true,
        stream_options: { include_usage: true },
      });
    });

    it('translate a tool_choice naming a custom tool, and allowed_tools', () => {
      const choice = (tool_choice: unknown) => translateRequest({ ...codex, tool_choice }).chat.tool_choice;
      expect(choice({ type: 'custom', name: 'apply_patch' })).toEqual({
        type: 'custom',
        custom: { name: 'apply_patch' },
      });
      expect(
        choice({
          type: 'allowed_tools',
          mode: 'required',
          tools: [
            { type: 'custom', name: 'apply_patch' },
            { type: 'function', name: 'shell' },
          ],
        }),
      ).toEqual({
        type: 'allowed_tools',
        allowed_tools: {
          mode: 'required',
          tools: [
            { type: 'custom', custom: { name: 'apply_patch' } },
            { type: 'function', function: { name: 'shell' } },
          ],
        },
      });
      const hosted = refusal({
        ...codex,
        tool_choice: { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'web_search' }] },
      });
      expect(hosted.param).toBe('tool_choice.tools[0]');
    });

    it("send OpenAI's hosted and built-in tools as they are; refuse a custom tool's unknown grammar syntax, by name", () => {
      for (const tool of [{ type: 'web_search' }, { type: 'local_shell' }, { type: 'image_generation' }]) {
        const { native } = translateRequest({ ...codex, tools: [...codex.tools, tool] });
        expect(native?.noTarget().param).toBe('tools[3].type');
        expect(native?.body).toMatchObject({ tools: [...codex.tools, tool], store: false });
      }
      const syntax = refusal({
        ...codex,
        tools: [{ type: 'custom', name: 'p', format: { type: 'grammar', syntax: 'peg', definition: '' } }],
      });
      expect(syntax.param).toBe('tools[0].format.syntax');
      const call = refusal({ ...codex, input: [{ type: 'custom_tool_call', call_id: 'c', name: 'p' }] });
      expect(call.param).toBe('input[0].input');
      const shell = refusal({ ...codex, input: [{ type: 'local_shell_call', call_id: 'c', action: {} }] });
      expect(shell.param).toBe('input[0].type');
      expect(shell.message).toContain('custom_tool_call');
    });
  });

  describe('reasoning items sent back', () => {
    const blocks = [{ type: 'thinking', thinking: 'plan', signature: 'sig' }];
    /** A reasoning item as an answer of the gateway packs it. */
    const packed = () => {
      const response = completionToResponse(
        responsesRequest.parse({ model: 'm', input: 'x' }),
        { choices: [{ message: { content: 'a', reasoning_content: 'plan', thinking_blocks: blocks } }] },
        responseIds('req_1'),
      );
      return (response.output as Json[])[0]!;
    };
    const call = { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' };
    const result = { type: 'function_call_output', call_id: 'c1', output: 'ok' };

    it('give their thinking to the assistant turn after them (OpenAI order)', () => {
      const { chat } = translateRequest({
        model: 'm',
        input: [{ role: 'user', content: 'go' }, packed(), call, result, { role: 'user', content: 'more' }],
      });
      expect(chat.messages).toEqual([
        { role: 'user', content: 'go' },
        {
          role: 'assistant',
          content: null,
          thinking_blocks: blocks,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'ok' },
        { role: 'user', content: 'more' },
      ]);
    });

    it('reach the assistant message after them when it leaves out `type` (the AI SDK sends it so)', () => {
      const { chat } = translateRequest({
        model: 'm',
        input: [
          { role: 'user', content: 'go' },
          packed(),
          { role: 'assistant', content: [{ type: 'output_text', text: 'Checking.' }] },
          call,
          result,
        ],
      });
      expect((chat.messages as Json[])[1]).toEqual({
        role: 'assistant',
        content: 'Checking.',
        thinking_blocks: blocks,
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
      });
    });

    it('or to the turn just before them (the order streams finish items in)', () => {
      const { chat } = translateRequest({
        model: 'm',
        input: [
          { role: 'user', content: 'go' },
          { role: 'assistant', content: [{ type: 'output_text', text: 'a' }] },
          packed(),
          { role: 'user', content: 'next' },
        ],
      });
      expect((chat.messages as Json[])[1]).toEqual({
        role: 'assistant',
        content: 'a',
        thinking_blocks: blocks,
      });
      expect((chat.messages as Json[])[2]).toEqual({ role: 'user', content: 'next' });
    });

    it('drop reasoning the gateway did not pack, and thinking that no assistant turn follows', () => {
      const { chat } = translateRequest({
        model: 'm',
        input: [
          { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAAAB-openai-own' },
          packed(),
          { role: 'user', content: 'go' },
          { role: 'assistant', content: 'a' },
        ],
      });
      expect(chat.messages).toEqual([
        { role: 'user', content: 'go' },
        { role: 'assistant', content: 'a' },
      ]);
    });

    it('refuse a packing altered on the way, naming the item', () => {
      const item = packed();
      const error = refusal({
        model: 'm',
        input: [
          { role: 'user', content: 'go' },
          { ...item, encrypted_content: `${item.encrypted_content}x` },
        ],
      });
      expect(error.status).toBe(400);
      expect(error.param).toBe('input[1].encrypted_content');
    });
  });
});
