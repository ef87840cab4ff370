// The gateway set up for reasoning_effort's tests (test/providers/*-thinking, *-reasoning, *-effort):
// one provider of each kind that maps it, routes that fall back to the mock, and the upstream body of
// one request or the error of a refused one.
import { expect } from 'vitest';
import textMessage from '../fixtures/anthropic/message-text.json';
import converseText from '../fixtures/bedrock/converse-text.json';
import cohereText from '../fixtures/cohere/chat-text.json';
import geminiText from '../fixtures/gemini/generate-text.json';
import { chat, createKey, type Json, putConfig } from './gateway';
import { json, onUpstream, recorded } from './upstream';

/** reasoning_effort → the thinking tokens it buys where the control is a budget (Google's mapping). */
export const EFFORT_BUDGETS = [
  ['minimal', 1024],
  ['low', 1024],
  ['medium', 8192],
  ['high', 24_576],
  ['xhigh', 24_576],
] as const;

/** reasoning_effort → gpt-oss's own level: it always reasons, so none is its least. */
export const GPT_OSS_LEVELS = [
  ['none', 'low'],
  ['minimal', 'low'],
  ['low', 'low'],
  ['medium', 'medium'],
  ['high', 'high'],
  ['xhigh', 'high'],
] as const;

const ANTHROPIC_URL = 'https://anthropic.test';
const GEMINI_URL = 'https://gemini.test/v1beta';
const BEDROCK_URL = 'https://bedrock.test';
const COHERE_URL = 'https://cohere.test';

/** A config with a target of each provider that maps reasoning_effort, and a key for it. */
export async function setup(limits: Record<string, unknown> = {}) {
  const config = {
    providers: {
      anthropic: { type: 'anthropic', baseUrl: ANTHROPIC_URL, apiKey: 'sk-ant-secret' },
      gemini: { type: 'gemini', baseUrl: GEMINI_URL, apiKey: 'AIza-secret' },
      aws: {
        type: 'bedrock',
        region: 'us-east-1',
        baseUrl: BEDROCK_URL,
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      },
      cohere: { type: 'cohere', baseUrl: COHERE_URL, apiKey: 'co-secret' },
      // Unbound in tests: a run fails, but a refusal comes first and passes the request on.
      cf: { type: 'workers-ai' },
      mock: { type: 'mock' },
    },
    models: {
      'haiku-or-mock': {
        targets: [
          { provider: 'anthropic', model: 'claude-3-5-haiku-latest' },
          { provider: 'mock', model: 'mock-1' },
        ],
      },
      'flash2-or-mock': {
        targets: [
          { provider: 'gemini', model: 'gemini-2.0-flash' },
          { provider: 'mock', model: 'mock-1' },
        ],
      },
      'command-or-mock': {
        targets: [
          { provider: 'cohere', model: 'command-a-03-2025' },
          { provider: 'mock', model: 'mock-1' },
        ],
      },
      'nova1-or-mock': {
        targets: [
          { provider: 'aws', model: 'us.amazon.nova-pro-v1:0' },
          { provider: 'mock', model: 'mock-1' },
        ],
      },
      'llama-or-mock': {
        targets: [
          { provider: 'cf', model: '@cf/meta/llama-3.3-70b-instruct-fp8-fast' },
          { provider: 'mock', model: 'mock-1' },
        ],
      },
    },
    retry: { attempts: 0 },
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
  };
  const response = await putConfig(config);
  expect(response.status, await response.clone().text()).toBe(200);
  onUpstream(`${ANTHROPIC_URL}/v1/messages`, () => json(textMessage));
  onUpstream(`${GEMINI_URL}/models/`, () => json(geminiText));
  onUpstream(`${BEDROCK_URL}/model/`, () => json(converseText));
  onUpstream(`${COHERE_URL}/v2/chat`, () => json(cohereText));
  return (await createKey()).key;
}

export const hello = [{ role: 'user', content: 'Hello' }];

/** The upstream body of one request, after a 200. */
export async function sent(key: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const before = recorded.length;
  const response = await chat(key, { messages: hello, ...body }, headers);
  expect(response.status, await response.clone().text()).toBe(200);
  expect(recorded).toHaveLength(before + 1);
  return recorded.at(-1)!.body as Json;
}

/** The error of a refused request, which reached no provider. */
export async function refused(
  key: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  const before = recorded.length;
  const response = await chat(key, { messages: hello, ...body }, headers);
  expect(response.status).toBe(400);
  expect(recorded).toHaveLength(before);
  return ((await response.json()) as Json).error;
}
