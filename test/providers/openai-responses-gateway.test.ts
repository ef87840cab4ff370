// OpenAI's Responses-only models (codex, pro…) through the whole Worker: chat calls go to
// …/responses and come back as chat completions, JSON and stream, with usage and costs.
import { describe, expect, it } from 'vitest';
import { chat, type Json } from '../helpers/gateway';
import { expectOpenAIShape, sseEvents } from '../helpers/openapi';
import {
  ASK,
  callItem,
  messageItem,
  opening,
  RESPONSES,
  reasoningItem,
  responseObject,
  responsesStream,
  sdkClient,
  setup,
  textEvents,
  toolStream,
  USAGE,
  WEATHER_TOOL,
} from '../helpers/responses-upstream';
import { json, onUpstream, recorded, sse } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';

describe('chat completions through the Responses API', () => {
  it('translates the request to /responses and the answer back: content, tool call, usage, cost', async () => {
    const key = await setup();
    const answer = responseObject({
      output: [reasoningItem, messageItem('Let me look that up.'), callItem('{"city":"Paris"}')],
    });
    expectOpenAIShape('Response', answer);
    onUpstream(RESPONSES, () => json(answer));
    const response = await chat(
      key,
      {
        model: 'codex',
        messages: [{ role: 'system', content: 'Be brief.' }, ...ASK],
        tools: [WEATHER_TOOL],
        tool_choice: 'auto',
        max_completion_tokens: 2048,
        reasoning_effort: 'medium',
      },
      { 'x-request-id': 'responses-json-1' },
    );
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('openai');

    expect(recorded).toHaveLength(1);
    const upstream = recorded[0]!;
    expect(upstream.url).toBe(RESPONSES);
    expect(upstream.headers.get('authorization')).toBe('Bearer sk-test-secret');
    const sent = upstream.body as Json;
    expect(sent).toMatchObject({
      model: 'gpt-5.1-codex',
      input: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Paris?' },
      ],
      max_output_tokens: 2048,
      store: false,
      reasoning: { effort: 'medium' },
      tool_choice: 'auto',
      tools: [
        {
          type: 'function',
          name: 'get_weather',
          description: 'Current weather of a city',
          parameters: WEATHER_TOOL.function.parameters,
          strict: false,
        },
      ],
    });
    for (const field of ['messages', 'max_completion_tokens', 'max_tokens', 'stream', 'stream_options'])
      expect(sent).not.toHaveProperty(field);

    const body: Json = await response.json();
    expectOpenAIShape('CreateChatCompletionResponse', body);
    expect(body.object).toBe('chat.completion');
    expect(body.model).toBe('gpt-5.1-codex');
    const choice = body.choices[0];
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message).toMatchObject({
      role: 'assistant',
      content: 'Let me look that up.',
      reasoning_content: 'The user wants the weather; call the tool.',
      tool_calls: [
        {
          id: 'call_Wx5Yq2LbN8mT',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
        },
      ],
    });
    expect(body.usage).toEqual({
      prompt_tokens: 1_200,
      completion_tokens: 300,
      total_tokens: 1_500,
      prompt_tokens_details: { cached_tokens: 1_024 },
      completion_tokens_details: { reasoning_tokens: 256 },
    });

    const row = (await waitForRows(['responses-json-1'])).get('responses-json-1')!;
    expect(row).toMatchObject({
      provider: 'openai',
      servedModel: 'gpt-5.1-codex',
      status: 200,
      inputTokens: 1_200,
      outputTokens: 300,
      cachedTokens: 1_024,
    });
    // gpt-5.1-codex: $1.25 / $0.125 cached / $10 per million tokens.
    expect(row.costUsd).toBeCloseTo((176 * 1.25 + 1_024 * 0.125 + 300 * 10) / 1e6, 12);
  });

  it('sends the conversation with tool results back as input items', async () => {
    const key = await setup();
    onUpstream(RESPONSES, () => json(responseObject({ output: [messageItem('18 °C and sunny.')] })));
    const response = await chat(key, {
      model: 'codex',
      tools: [WEATHER_TOOL],
      messages: [
        ...ASK,
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_Wx5Yq2LbN8mT',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_Wx5Yq2LbN8mT', content: '{"temp_c":18}' },
      ],
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as Json).choices[0]).toMatchObject({
      finish_reason: 'stop',
      message: { content: '18 °C and sunny.' },
    });
    expect((recorded[0]!.body as Json).input).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      {
        type: 'function_call',
        call_id: 'call_Wx5Yq2LbN8mT',
        name: 'get_weather',
        arguments: '{"city":"Paris"}',
      },
      { type: 'function_call_output', call_id: 'call_Wx5Yq2LbN8mT', output: '{"temp_c":18}' },
    ]);
  });

  it('maps response_format, tool_choice, verbosity and parallel_tool_calls to their Responses fields', async () => {
    const key = await setup();
    onUpstream(RESPONSES, () => json(responseObject({ output: [messageItem('{"city":"Paris"}')] })));
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const response = await chat(key, {
      model: 'codex',
      messages: [
        { role: 'developer', content: 'Answer in JSON.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Where is this?' },
            { type: 'image_url', image_url: { url: 'https://example.com/eiffel.png', detail: 'low' } },
          ],
        },
      ],
      tools: [{ ...WEATHER_TOOL, function: { ...WEATHER_TOOL.function, strict: true } }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
      response_format: { type: 'json_schema', json_schema: { name: 'place', schema, strict: true } },
      verbosity: 'low',
      temperature: 1,
    });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(recorded[0]!.body).toEqual({
      model: 'gpt-5.1-codex',
      include: ['reasoning.encrypted_content'],
      input: [
        { role: 'developer', content: 'Answer in JSON.' },
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'Where is this?' },
            { type: 'input_image', image_url: 'https://example.com/eiffel.png', detail: 'low' },
          ],
        },
      ],
      temperature: 1,
      parallel_tool_calls: false,
      store: false,
      tools: [
        {
          type: 'function',
          name: 'get_weather',
          description: 'Current weather of a city',
          parameters: WEATHER_TOOL.function.parameters,
          strict: true,
        },
      ],
      tool_choice: { type: 'function', name: 'get_weather' },
      text: { format: { type: 'json_schema', name: 'place', schema, strict: true }, verbosity: 'low' },
    });
  });

  it('is streamed to the official OpenAI SDK: reasoning, text, a fragmented tool call, usage', async () => {
    const key = await setup();
    onUpstream(RESPONSES, () => sse(toolStream()));
    const stream = sdkClient(key).chat.completions.stream(
      {
        model: 'codex',
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
        tools: [WEATHER_TOOL],
        stream_options: { include_usage: true },
      },
      { headers: { 'x-request-id': 'responses-sdk-stream' } },
    );
    const chunks: Json[] = [];
    stream.on('chunk', (chunk) => chunks.push(chunk));
    const final = await stream.finalChatCompletion();
    const choice = final.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBe('Checking the weather.');
    expect(choice.message.tool_calls).toMatchObject([
      {
        id: 'call_Wx5Yq2LbN8mT',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
      },
    ]);
    expect(choice.message.tool_calls).toHaveLength(1);
    expect(final.usage).toMatchObject({
      prompt_tokens: 1_200,
      completion_tokens: 300,
      total_tokens: 1_500,
      prompt_tokens_details: { cached_tokens: 1_024 },
      completion_tokens_details: { reasoning_tokens: 256 },
    });

    const sent = recorded[0]!.body as Json;
    expect(recorded[0]!.url).toBe(RESPONSES);
    expect(sent).toMatchObject({ model: 'gpt-5.1-codex', stream: true, store: false });
    expect(sent).not.toHaveProperty('stream_options');

    for (const chunk of chunks) expectOpenAIShape('CreateChatCompletionStreamResponse', chunk);
    const deltas = chunks.flatMap((c) => c.choices.map((x: Json) => x.delta));
    expect(
      deltas
        .map((d) => d.reasoning_content)
        .filter(Boolean)
        .join(''),
    ).toBe('Need the weather tool.');
    // The arguments arrive in the fragments OpenAI sent, not in one piece.
    const fragments = deltas.flatMap((d) => d.tool_calls ?? []).map((t: Json) => t.function.arguments);
    expect(fragments).toEqual(['', '{"ci', 'ty":"Pa', 'ris"}']);
    expect(chunks.at(-1).choices).toEqual([]);
    expect(chunks.filter((c) => c.usage)).toHaveLength(1);

    const row = (await waitForRows(['responses-sdk-stream'])).get('responses-sdk-stream')!;
    expect(row).toMatchObject({ stream: true, inputTokens: 1_200, outputTokens: 300, cachedTokens: 1_024 });
    expect(row.costUsd).toBeCloseTo((176 * 1.25 + 1_024 * 0.125 + 300 * 10) / 1e6, 12);
  });

  it('streams raw chunks without usage unless asked, ending with [DONE]', async () => {
    const key = await setup();
    onUpstream(RESPONSES, () =>
      sse(
        responsesStream([
          ...opening(),
          ...textEvents(0, ['Bonjour', ' !']),
          { type: 'response.completed', response: responseObject({ output: [messageItem('Bonjour !')] }) },
        ]),
      ),
    );
    const response = await chat(key, { model: 'codex', stream: true, messages: ASK });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const text = await response.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const events = sseEvents(text) as Json[];
    for (const event of events) expectOpenAIShape('CreateChatCompletionStreamResponse', event);
    expect(events.some((e) => e.usage)).toBe(false);
    expect(events.map((e) => e.choices[0]?.delta?.content ?? '').join('')).toBe('Bonjour !');
    expect(events.at(-1).choices[0].finish_reason).toBe('stop');
  });

  it('answers finish_reason length for a response incomplete at max_output_tokens', async () => {
    const key = await setup();
    const incomplete = {
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      max_output_tokens: 16,
      usage: { ...USAGE, output_tokens: 16, output_tokens_details: { reasoning_tokens: 0 } },
    };
    onUpstream(RESPONSES, (_request, { body }) =>
      (body as Json).stream
        ? sse(
            responsesStream([
              ...opening(),
              ...textEvents(0, ['Once upon', ' a time']),
              {
                type: 'response.incomplete',
                response: responseObject({ ...incomplete, output: [messageItem('Once upon a time')] }),
              },
            ]),
          )
        : json(responseObject({ ...incomplete, output: [messageItem('Once upon a time')] })),
    );
    const response = await chat(key, { model: 'codex', messages: ASK, max_tokens: 16 });
    const body: Json = await response.json();
    expectOpenAIShape('CreateChatCompletionResponse', body);
    expect(body.choices[0]).toMatchObject({
      finish_reason: 'length',
      message: { content: 'Once upon a time' },
    });
    expect((recorded[0]!.body as Json).max_output_tokens).toBe(16);

    const streamed = sseEvents(
      await (await chat(key, { model: 'codex', stream: true, messages: ASK, max_tokens: 16 })).text(),
    ) as Json[];
    expect(streamed.at(-1).choices[0].finish_reason).toBe('length');
  });
});
