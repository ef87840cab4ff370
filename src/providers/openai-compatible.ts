// `type: "openai"` — OpenAI itself and every OpenAI-compatible service (Groq, Mistral, Together,
// DeepSeek, OpenRouter, Fireworks, xAI, Ollama…). The body is forwarded as the client sent it, with
// only `model` replaced and `stream_options.include_usage` forced on for streams (the gateway needs
// usage for limits and costs; the relay hides the usage chunk from clients that did not ask).
import { z } from 'zod';
import type { ChatRequest } from '../openai/schemas';
import { OPENAI_COMPATIBLE_PRESETS, PRESET_NAMES } from './presets';
import { resolveSecret, secretRef } from './secret';
import type { ChatCompletion, EmbeddingsResult, ProviderAdapter, ProviderDeps } from './types';
import { UpstreamError } from './types';
import { fetchUpstream, upstreamErrorFrom } from './upstream-error';

export const openaiProviderSchema = z.strictObject({
  type: z.literal('openai'),
  preset: z.enum(PRESET_NAMES).optional(),
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  apiKey: secretRef.optional(),
  /** Extra headers sent upstream (e.g. OpenRouter's HTTP-Referer, OpenAI-Organization). */
  headers: z.record(z.string(), z.string()).optional(),
  models: z.array(z.string().min(1)).optional(),
});
export type OpenAIProviderConfig = z.infer<typeof openaiProviderSchema>;

export function createOpenAICompatible(
  name: string,
  config: OpenAIProviderConfig,
  deps: ProviderDeps,
): ProviderAdapter {
  const baseUrl = (config.baseUrl ?? OPENAI_COMPATIBLE_PRESETS[config.preset ?? 'openai']).replace(
    /\/+$/,
    '',
  );
  const apiKey = resolveSecret(config.apiKey, deps.env);

  const headers = (): Record<string, string> => {
    if (apiKey.missing) {
      throw new UpstreamError(
        'config',
        0,
        `Provider '${name}' has no API key: set the Worker secret ${apiKey.missing}.`,
      );
    }
    return {
      ...config.headers,
      'content-type': 'application/json',
      ...(apiKey.value ? { authorization: `Bearer ${apiKey.value}` } : {}),
    };
  };

  return {
    name,
    type: 'openai',
    models: config.models ?? [],

    async chat({ body, model, signal }) {
      const upstreamBody: ChatRequest = { ...body, model };
      if (body.stream) upstreamBody.stream_options = { ...body.stream_options, include_usage: true };
      const response = await fetchUpstream(deps.fetch, name, `${baseUrl}/chat/completions`, {
        method: 'POST',
        headers: headers(),
        body: JSON.stringify(upstreamBody),
        signal,
      });
      if (!response.ok) throw await upstreamErrorFrom(name, response);

      if (body.stream) {
        const type = response.headers.get('content-type') ?? '';
        if (!type.includes('text/event-stream') || !response.body) {
          await response.body?.cancel();
          throw new UpstreamError(
            'server',
            response.status,
            `${name} answered a stream request without a stream.`,
          );
        }
        return { kind: 'stream', body: response.body };
      }
      const raw = await response.text();
      return { kind: 'json', body: parseCompletion(name, raw), raw };
    },

    async embeddings({ body, model, signal }) {
      const response = await fetchUpstream(deps.fetch, name, `${baseUrl}/embeddings`, {
        method: 'POST',
        headers: headers(),
        body: JSON.stringify({ ...body, model }),
        signal,
      });
      if (!response.ok) throw await upstreamErrorFrom(name, response);
      return parseJson<EmbeddingsResult>(name, await response.text(), (v) => Array.isArray(v.data));
    },
  };
}

function parseCompletion(provider: string, raw: string): ChatCompletion {
  return parseJson<ChatCompletion>(provider, raw, (v) => Array.isArray(v.choices));
}

function parseJson<T>(
  provider: string,
  raw: string,
  looksRight: (value: Record<string, unknown>) => boolean,
): T {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new UpstreamError('server', 200, `${provider} answered with invalid JSON.`);
  }
  if (typeof value !== 'object' || value === null || !looksRight(value as Record<string, unknown>)) {
    throw new UpstreamError('server', 200, `${provider} answered with an unexpected body.`);
  }
  return value as T;
}
