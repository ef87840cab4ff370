// The messages an OpenAI-wire service is sent (src/providers/openai-wire-messages.ts): what each
// service refuses left out or rewritten, through createOpenAICompatible and createAzureOpenAI.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../src/openai/schemas';
import { createAzureOpenAI } from '../../src/providers/azure-openai';
import { createOpenAICompatible, type OpenAIProviderConfig } from '../../src/providers/openai-compatible';
import type { ProviderAdapter, ProviderDeps } from '../../src/providers/types';

const signal = new AbortController().signal;
type Messages = ChatRequest['messages'];

/** The messages `make`'s adapter sends upstream for these. */
async function sent(make: (deps: ProviderDeps) => ProviderAdapter, messages: Messages): Promise<unknown[]> {
  const bodies: Record<string, unknown>[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    bodies.push((await new Request(input, init).json()) as Record<string, unknown>);
    return Response.json({ id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [] });
  };
  const adapter = make({ env, fetch: fetch as typeof globalThis.fetch });
  await adapter.chat({ body: { model: 'x', messages } as ChatRequest, model: 'm', signal, requestId: 'r1' });
  return bodies[0]!.messages as unknown[];
}

const openai = (config: Partial<OpenAIProviderConfig>) => (deps: ProviderDeps) =>
  createOpenAICompatible('up', { type: 'openai', apiKey: 'k', ...config } as OpenAIProviderConfig, deps);
const azure = (deps: ProviderDeps) =>
  createAzureOpenAI('az', { type: 'azure-openai', resourceName: 'contoso', apiKey: 'k' }, deps);

/** OpenAI itself, where the messages go as the client sent them. */
const OPENAI = [openai({}), openai({ baseUrl: 'https://eu.api.openai.com/v1' }), azure];
/** Other services, which refuse the developer role or a system message's parts. */
const OTHERS = [
  openai({ preset: 'deepseek' }),
  openai({ preset: 'groq' }),
  openai({ baseUrl: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1' }),
  openai({ baseUrl: 'https://vllm.internal.example/v1' }),
];

const text = (value: string) => ({ type: 'text' as const, text: value });

describe('openai-compatible: messages other services refuse', () => {
  const developer: Messages = [
    { role: 'developer', content: 'Be terse.' },
    { role: 'user', content: 'hi' },
  ];

  it('sends a developer message as system to services other than OpenAI', async () => {
    for (const make of OTHERS)
      expect(await sent(make, developer)).toEqual([
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'hi' },
      ]);
  });

  it('keeps the developer role for OpenAI and Azure OpenAI, whose reasoning models prefer it', async () => {
    for (const make of OPENAI) expect(await sent(make, developer)).toEqual(developer);
  });

  const parts: Messages = [
    { role: 'system', content: [text('Rules.'), text('More rules.')] },
    { role: 'developer', content: [text('Be terse.')] },
    { role: 'user', content: [text('look'), { type: 'image_url', image_url: { url: 'https://x/y.png' } }] },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
    },
    { role: 'tool', tool_call_id: 'c1', content: [text('one'), text('two')] },
  ];

  it('sends text-only system and tool content as one string elsewhere, user content as it came', async () => {
    for (const make of OTHERS)
      expect(await sent(make, parts)).toEqual([
        { role: 'system', content: 'Rules.\n\nMore rules.' },
        { role: 'system', content: 'Be terse.' },
        parts[2],
        parts[3],
        { role: 'tool', tool_call_id: 'c1', content: 'one\n\ntwo' },
      ]);
  });

  it('sends content parts to OpenAI and Azure OpenAI, which take them', async () => {
    for (const make of OPENAI) expect(await sent(make, parts)).toEqual(parts);
  });

  it('keeps parts carrying a cache mark, which a Claude model behind OpenRouter reads', async () => {
    const marked: Messages = [
      { role: 'system', content: [{ ...text('Rules.'), cache_control: { type: 'ephemeral' } }] },
      { role: 'user', content: 'hi' },
    ];
    expect(await sent(openai({ preset: 'openrouter' }), marked)).toEqual(marked);
  });

  // A Gemini answer's tool call carries its thought signature (thought-signature.ts).
  const signed: Messages = [
    { role: 'user', content: 'Weather in Paris?' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        {
          id: 'c1',
          type: 'function',
          function: { name: 'weather', arguments: '{"city":"Paris"}' },
          extra_content: { google: { thought_signature: 'c2lnbmVk' } },
        } as never,
      ],
    },
    { role: 'tool', tool_call_id: 'c1', content: 'Sunny.' },
  ];

  it("sends a tool call without its extra_content to every service but Google's own", async () => {
    for (const make of [...OPENAI, ...OTHERS, openai({ preset: 'openrouter' })]) {
      const messages = (await sent(make, signed)) as { tool_calls?: object[] }[];
      expect(messages[1]?.tool_calls).toEqual([
        { id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
      ]);
    }
    const google = openai({ baseUrl: 'https://generativelanguage.googleapis.com/v1beta/openai' });
    expect(await sent(google, signed)).toEqual(signed);
  });

  // An image model's answer with a tool call a Gemini model signed: two fields only some services define.
  const call = { id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } };
  const image = { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } };
  const extra_content = { google: { thought_signature: 'c2lnbmVk' } };
  /** The conversation, its answer with or without its images and its call's extra_content. */
  const answered = (images: boolean, extras: boolean) =>
    [
      { role: 'user', content: 'Draw Paris, then check its weather.' },
      {
        role: 'assistant',
        content: 'Here it is.',
        ...(images ? { images: [image] } : {}),
        tool_calls: [extras ? { ...call, extra_content } : call],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'Sunny.' },
    ] as Messages;

  it('leaves out both an answer’s images and its calls’ extra_content where the service takes neither', async () => {
    for (const make of [...OPENAI, ...OTHERS])
      expect(await sent(make, answered(true, true))).toEqual(answered(false, false));
  });

  it('keeps the one of the two a service takes: images on OpenRouter, extra_content on Google', async () => {
    expect(await sent(openai({ preset: 'openrouter' }), answered(true, true))).toEqual(answered(true, false));
    const google = openai({ baseUrl: 'https://generativelanguage.googleapis.com/v1beta/openai' });
    expect(await sent(google, answered(true, true))).toEqual(answered(false, true));
  });
});
