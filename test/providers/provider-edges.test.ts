// Bedrock, Cohere, Workers AI and Azure at the edges of what OpenAI clients send: tools without
// arguments, document names, blank text, batches, provider-native embedding parameters, failover.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Env } from '../../src/env';
import type { ChatRequest, EmbeddingsRequest } from '../../src/openai/schemas';
import { type AzureOpenAIProviderConfig, createAzureOpenAI } from '../../src/providers/azure-openai';
import { type BedrockProviderConfig, createBedrock } from '../../src/providers/bedrock';
import { createCohere } from '../../src/providers/cohere';
import { translateCohereStream } from '../../src/providers/cohere-response';
import { createOpenAICompatible, type OpenAIProviderConfig } from '../../src/providers/openai-compatible';
import { createWorkersAI, workersAIError } from '../../src/providers/workers-ai';
import { translateWorkersAIStream } from '../../src/providers/workers-ai-stream';
import converseText from '../fixtures/bedrock/converse-text.json';
import {
  chunkedBody,
  encodeEvents,
  eventStreamResponse,
  type FixtureEvent,
} from '../fixtures/bedrock/event-stream-encoder';
import { sseEvents } from '../helpers/openapi';

const signal = new AbortController().signal;

function bedrock(respond: () => Response) {
  const sent: Record<string, unknown>[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    sent.push((await new Request(input, init).json()) as Record<string, unknown>);
    return respond();
  };
  const config: BedrockProviderConfig = {
    type: 'bedrock',
    region: 'us-east-1',
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'secret',
  };
  const adapter = createBedrock('bedrock', config, { env, fetch: fetch as typeof globalThis.fetch });
  const run = (body: Partial<ChatRequest>) =>
    adapter.chat({
      body: { model: 'x', messages: [{ role: 'user', content: 'hi' }], ...body } as ChatRequest,
      model: 'anthropic.claude-sonnet-4-5-20250929-v1:0',
      signal,
      requestId: 'r1',
    });
  return { sent, run };
}

function streamOf(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

describe('bedrock', () => {
  it('streams a tool call without arguments as "{}" (as the JSON answer does), not ""', async () => {
    // ConverseStream sends no (or an empty) toolUse.input delta for a tool called without arguments.
    const events: FixtureEvent[] = [
      { event: 'messageStart', payload: { role: 'assistant' } },
      {
        event: 'contentBlockStart',
        payload: { contentBlockIndex: 0, start: { toolUse: { toolUseId: 'tooluse_1', name: 'now' } } },
      },
      { event: 'contentBlockDelta', payload: { contentBlockIndex: 0, delta: { toolUse: { input: '' } } } },
      { event: 'contentBlockStop', payload: { contentBlockIndex: 0 } },
      { event: 'messageStop', payload: { stopReason: 'tool_use' } },
      { event: 'metadata', payload: { usage: { inputTokens: 5, outputTokens: 3 } } },
    ];
    const { run } = bedrock(() => eventStreamResponse(chunkedBody(encodeEvents(events), [4096])));
    const result = await run({ stream: true, tools: [{ type: 'function', function: { name: 'now' } }] });
    if (result.kind !== 'stream') throw new Error('expected a stream');
    const chunks = sseEvents(await new Response(result.body).text()) as {
      choices?: { delta?: { tool_calls?: { function?: { arguments?: string } }[] } }[];
    }[];
    const args = chunks
      .flatMap((c) => c.choices ?? [])
      .flatMap((c) => c.delta?.tool_calls ?? [])
      .map((t) => t.function?.arguments ?? '')
      .join('');
    expect(args).toBe('{}'); // today: ''
  });

  it('gives two documents distinct names (Converse refuses duplicate document names)', async () => {
    const { sent, run } = bedrock(() => Response.json(converseText));
    const file = (filename?: string, type = 'application/pdf') => ({
      type: 'file' as const,
      file: { ...(filename ? { filename } : {}), file_data: `data:${type};base64,JVBERi0=` },
    });
    await run({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these' },
            file(),
            file(),
            file('report.pdf'),
            file('report.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'),
          ],
        },
      ],
    });
    const content = (sent[0]!.messages as { content: { document?: { name: string } }[] }[])[0]!.content;
    const names = content.flatMap((b) => (b.document ? [b.document.name] : []));
    expect(new Set(names).size).toBe(names.length); // today: ['document','document','report','report']
  });

  it('sends a text block beside a document-only user message (Converse needs one)', async () => {
    const { sent, run } = bedrock(() => Response.json(converseText));
    await run({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } },
          ],
        },
      ],
    });
    const content = (sent[0]!.messages as { content: Record<string, unknown>[] }[])[0]!.content;
    expect(content.some((b) => typeof b.text === 'string' && (b.text as string).trim() !== '')).toBe(true);
  });

  it('never sends both temperature and topP (Claude 4.5+ on Bedrock refuse both)', async () => {
    const { sent, run } = bedrock(() => Response.json(converseText));
    await run({ temperature: 0.7, top_p: 0.9 });
    const config = sent[0]!.inferenceConfig as Record<string, unknown>;
    expect('temperature' in config && 'topP' in config).toBe(false); // today: both
  });

  it('leaves out whitespace-only text blocks (Converse: "text field ... is blank")', async () => {
    const { sent, run } = bedrock(() => Response.json(converseText));
    await run({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Hello' },
            { type: 'text', text: '\n' },
          ],
        },
      ],
    });
    const content = (sent[0]!.messages as { content: { text?: string }[] }[])[0]!.content;
    expect(content.every((b) => b.text === undefined || b.text.trim() !== '')).toBe(true);
  });

  it("passes a tool's strict flag to Converse (ToolSpecification.strict)", async () => {
    const { sent, run } = bedrock(() => Response.json(converseText));
    await run({
      tools: [
        {
          type: 'function',
          function: { name: 'f', strict: true, parameters: { type: 'object', properties: {} } },
        },
      ],
    });
    const spec = (sent[0]!.toolConfig as { tools: { toolSpec: Record<string, unknown> }[] }).tools[0]!
      .toolSpec;
    expect(spec.strict).toBe(true); // today: dropped
  });
});

describe('workers-ai', () => {
  it('embeds more than 100 texts in batches of at most 100 (the bge input schema: maxItems 100)', async () => {
    const sizes: number[] = [];
    const ai = {
      async run(_model: string, inputs: Record<string, unknown>) {
        const text = inputs.text as string[];
        sizes.push(text.length);
        return { shape: [text.length, 1], data: text.map(() => [1]) };
      },
    };
    const adapter = createWorkersAI(
      'cf',
      { type: 'workers-ai' },
      {
        env: { ...env, AI: ai } as unknown as Env,
        fetch: globalThis.fetch,
      },
    );
    const input = Array.from({ length: 150 }, (_, i) => `text ${i}`);
    await adapter.embeddings({
      body: { model: 'x', input } as EmbeddingsRequest,
      model: '@cf/baai/bge-base-en-v1.5',
      signal,
      requestId: 'r1',
    });
    expect(Math.max(...sizes)).toBeLessThanOrEqual(100); // today: one call with 150
  });

  it("keeps an assistant message's refusal in the history (as Bedrock and Cohere do)", async () => {
    const calls: Record<string, unknown>[] = [];
    const ai = {
      async run(_model: string, inputs: Record<string, unknown>) {
        calls.push(inputs);
        return { response: 'ok', usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } };
      },
    };
    const adapter = createWorkersAI(
      'cf',
      { type: 'workers-ai' },
      {
        env: { ...env, AI: ai } as unknown as Env,
        fetch: globalThis.fetch,
      },
    );
    await adapter.chat({
      body: {
        model: 'x',
        messages: [
          { role: 'user', content: 'do X' },
          { role: 'assistant', content: null, refusal: "I can't help with that." },
          { role: 'user', content: 'why?' },
        ],
      } as ChatRequest,
      model: '@cf/meta/llama-3.3-70b-instruct-fp8-fast',
      signal,
      requestId: 'r1',
    });
    const messages = calls[0]!.messages as { content: string }[];
    expect(messages[1]!.content).toBe("I can't help with that."); // today: ''
  });

  it('relays reasoning_content of OpenAI-shaped stream chunks (the JSON answer keeps it)', async () => {
    const upstream = streamOf(
      [
        'data: {"choices":[{"index":0,"delta":{"role":"assistant","reasoning_content":"Thinking…"}}]}',
        'data: {"choices":[{"index":0,"delta":{"content":"Hi"}}]}',
        'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}',
        'data: [DONE]',
        '',
      ].join('\n\n'),
    );
    const text = await new Response(
      translateWorkersAIStream(upstream, 'cf', { id: 'c1', model: 'm', requestId: 'r1' }, 256),
    ).text();
    expect(text).toContain('Thinking…'); // today: dropped
  });
});

describe('workers-ai errors', () => {
  it('treats 5007 "No such model" like 3042 "Invalid model ID": a config error, not the caller\'s', () => {
    expect(workersAIError('cf', new Error('3042: The model name is invalid')).failure).toBe('config');
    expect(workersAIError('cf', new Error('5007: No such model @cf/meta/llama-9 or task')).failure).toBe(
      'config',
    ); // today: 'caller' (a 400 to the client, no failover)
  });
});

describe('cohere', () => {
  it("honours a request's own input_type instead of silently using the configured one", async () => {
    const sent: Record<string, unknown>[] = [];
    const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      sent.push((await new Request(input, init).json()) as Record<string, unknown>);
      return Response.json({
        embeddings: { float: [[0.1, 0.2]] },
        meta: { billed_units: { input_tokens: 2 } },
      });
    };
    const cohere = createCohere(
      'cohere',
      { type: 'cohere', apiKey: 'k' },
      {
        env,
        fetch: fetch as typeof globalThis.fetch,
      },
    );
    await cohere.embeddings({
      body: {
        model: 'x',
        input: 'what is the capital of France?',
        input_type: 'search_query',
      } as EmbeddingsRequest,
      model: 'embed-v4.0',
      signal,
      requestId: 'r1',
    });
    expect(sent[0]!.input_type).toBe('search_query'); // today: 'search_document', silently
  });

  it('fails the attempt (so it can fail over) when the stream ends in ERROR before any content', async () => {
    const upstream = streamOf(
      [
        'event: message-start\ndata: {"type":"message-start","delta":{"message":{"role":"assistant"}}}',
        'event: message-end\ndata: {"type":"message-end","delta":{"finish_reason":"ERROR"}}',
        '',
      ].join('\n\n'),
    );
    const reader = translateCohereStream(upstream, 'cohere', 'c1', 'm').getReader();
    // Bedrock and Anthropic hold the role chunk back for this; Cohere commits it at once.
    const first = await reader.read().then(
      (r) => new TextDecoder().decode(r.value),
      (e: unknown) => `rejected: ${String(e)}`,
    );
    expect(first).toMatch(/^rejected/); // today: the role chunk, then an error event: no failover
  });
});

describe('azure-openai', () => {
  it('does not force stream_options on an api-version that refuses it (before 2024-09-01-preview)', async () => {
    const sent: Record<string, unknown>[] = [];
    const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      sent.push((await new Request(input, init).json()) as Record<string, unknown>);
      return new Response('data: [DONE]\n\n', { headers: { 'content-type': 'text/event-stream' } });
    };
    const config: AzureOpenAIProviderConfig = {
      type: 'azure-openai',
      resourceName: 'contoso',
      apiKey: 'k',
      apiVersion: '2024-06-01',
    };
    const azure = createAzureOpenAI('azure', config, { env, fetch: fetch as typeof globalThis.fetch });
    await azure.chat({
      body: { model: 'x', messages: [{ role: 'user', content: 'hi' }], stream: true } as ChatRequest,
      model: 'gpt4o',
      signal,
      requestId: 'r1',
    });
    expect(sent[0]!.stream_options).toBeUndefined(); // today: { include_usage: true } → 400 Unknown parameter
  });
});

describe('openai-compatible: reasoning_content sent back', () => {
  async function sentTo(config: Partial<OpenAIProviderConfig>) {
    const sent: Record<string, unknown>[] = [];
    const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      sent.push((await new Request(input, init).json()) as Record<string, unknown>);
      return Response.json({ id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [] });
    };
    const adapter = createOpenAICompatible(
      'up',
      { type: 'openai', apiKey: 'k', ...config } as OpenAIProviderConfig,
      { env, fetch: fetch as typeof globalThis.fetch },
    );
    await adapter.chat({
      body: {
        model: 'x',
        messages: [
          { role: 'user', content: 'q' },
          { role: 'assistant', content: 'a', reasoning_content: 'why' },
          { role: 'user', content: 'more' },
        ],
      } as ChatRequest,
      model: 'm',
      signal,
      requestId: 'r1',
    });
    return (sent[0]!.messages as Record<string, unknown>[])[1];
  }

  it('reaches DeepSeek, whose thinking mode needs it, and not the services that refuse it', async () => {
    expect(await sentTo({ preset: 'deepseek' })).toHaveProperty('reasoning_content', 'why');
    for (const config of [
      { preset: 'groq' as const },
      { preset: 'cerebras' as const },
      { preset: 'mistral' as const },
      { baseUrl: 'https://proxy.groq.com/openai/v1' },
    ])
      expect(await sentTo(config)).toEqual({ role: 'assistant', content: 'a' });
  });
});
