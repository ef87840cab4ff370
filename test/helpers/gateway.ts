// Calling the Worker the way a client does, plus admin shortcuts used across tests.
import { exports } from 'cloudflare:workers';
import { expect } from 'vitest';

export const ADMIN_TOKEN = 'test-admin-token';
const BASE = 'https://gateway.test';

export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE}${path}`, init));
}

export function admin(path: string, method = 'GET', body?: unknown): Promise<Response> {
  return call(path, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export interface CreatedKey {
  id: string;
  key: string;
}

export async function createKey(options: Record<string, unknown> = {}): Promise<CreatedKey> {
  const response = await admin('/admin/keys', 'POST', { name: 'test key', ...options });
  if (response.status !== 201)
    throw new Error(`createKey failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as CreatedKey;
}

export async function putConfig(config: unknown): Promise<Response> {
  return admin('/admin/config', 'PUT', config);
}

/** The OpenAI test config (with `extra` over it) in force, and a new key with no limits. */
export async function openaiKey(extra: Record<string, unknown> = {}): Promise<string> {
  const response = await putConfig(openaiConfig(extra));
  if (response.status !== 200)
    throw new Error(`putConfig failed: ${response.status} ${await response.text()}`);
  return (await createKey()).key;
}

export function chat(key: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call('/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** POST /v1/responses with `key` as a bearer token. */
export function responses(
  key: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return call('/v1/responses', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** `/v1/responses/<path>` (a stored response, its input_items…) asked by `key`. */
export function storedResponse(key: string, path: string, method = 'GET'): Promise<Response> {
  return call(`/v1/responses/${path}`, { method, headers: { authorization: `Bearer ${key}` } });
}

/** The JSON of an answer that must be a 200; one that is not fails the test, showing its body. */
export async function answeredJson(response: Response): Promise<Json> {
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json();
}

/** POST /v1/messages as Anthropic's SDKs send it (`x-api-key`, `anthropic-version`). */
export function messages(
  key: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return call('/v1/messages', {
    method: 'POST',
    headers: {
      'x-api-key': key,
      'anthropic-version': '2023-06-01',
      'content-type': 'application/json',
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

/** A config with one OpenAI-compatible provider at a fake URL, and the mock. */
export const OPENAI_URL = 'https://upstream.test/v1';
/** Claude behind the alias `claude`, Anthropic's API at `baseUrl`, no retries (`extra` over it). */
export function claudeConfig(baseUrl: string, extra: Record<string, unknown> = {}) {
  return {
    providers: { anthropic: { type: 'anthropic', baseUrl, apiKey: 'sk-ant-secret' } },
    models: { claude: { targets: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }] } },
    retry: { attempts: 0 },
    ...extra,
  };
}

export function openaiConfig(extra: Record<string, unknown> = {}) {
  return {
    providers: {
      openai: { type: 'openai', baseUrl: OPENAI_URL, apiKey: 'sk-test-secret' },
      mock: { type: 'mock' },
    },
    models: {
      gpt: { targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] },
      fast: { targets: [{ provider: 'mock', model: 'mock-1' }] },
    },
    ...extra,
  };
}

/** `gpt` fails over from OpenAI, given 100 ms and no retry, to the mock: for attempts the gateway times out. */
export function timeoutFailoverConfig(extra: Record<string, unknown> = {}) {
  return openaiConfig({
    models: {
      gpt: {
        targets: [
          { provider: 'openai', model: 'gpt-4o-mini' },
          { provider: 'mock', model: 'mock-1' },
        ],
      },
    },
    retry: { attempts: 0 },
    timeouts: { requestMs: 100 },
    ...extra,
  });
}

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies and assert on their shape
export type Json = any;
