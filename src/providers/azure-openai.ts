// `type: "azure-openai"` — Azure OpenAI. The wire format is OpenAI's, so this composes the
// OpenAI-compatible adapter and only changes where requests go and how they authenticate:
// `{endpoint}/openai/deployments/{deployment}/chat/completions?api-version=…` (and /embeddings)
// with an `api-key` header. A target's `model` is the deployment name. `apiVersion: "v1"` uses
// Azure's version-less v1 API instead (`{endpoint}/openai/v1/…`, deployment name in `model`).
// Every body parameter is forwarded untouched, as for `type: "openai"`; Azure's own answers
// (content-filter results, prompt_filter_results chunks) are relayed as they come.
import { z } from 'zod';
import { createOpenAICompatible } from './openai-compatible';
import { resolveSecret, secretRef } from './secret';
import type { ProviderAdapter, ProviderDeps } from './types';
import { UpstreamError } from './types';

/** Latest GA data-plane inference version at the time of writing; override per provider. */
export const AZURE_DEFAULT_API_VERSION = '2024-10-21';

export const azureOpenAIProviderSchema = z
  .strictObject({
    type: z.literal('azure-openai'),
    /** `my-resource` for https://my-resource.openai.azure.com. */
    resourceName: z
      .string()
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9-]{1,62}$/, 'the Azure resource name, e.g. "my-resource"')
      .optional(),
    /** The resource endpoint, e.g. https://my-resource.cognitiveservices.azure.com (instead of resourceName). */
    baseUrl: z.url({ protocol: /^https?$/ }).optional(),
    apiKey: secretRef,
    apiVersion: z
      .string()
      .regex(/^(v1|\d{4}-\d{2}-\d{2}(-preview)?)$/, 'a dated version such as 2024-10-21, or "v1"')
      .optional(),
    headers: z.record(z.string(), z.string()).optional(),
    models: z.array(z.string().min(1)).optional(),
  })
  .refine((config) => (config.resourceName === undefined) !== (config.baseUrl === undefined), {
    message: 'set exactly one of resourceName and baseUrl',
    path: ['resourceName'],
  });
export type AzureOpenAIProviderConfig = z.infer<typeof azureOpenAIProviderSchema>;

function withQuery(url: string, name: string, value: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}${name}=${encodeURIComponent(value)}`;
}

export function createAzureOpenAI(
  name: string,
  config: AzureOpenAIProviderConfig,
  deps: ProviderDeps,
): ProviderAdapter {
  const endpoint = (config.baseUrl ?? `https://${config.resourceName}.openai.azure.com`).replace(/\/+$/, '');
  const apiVersion = config.apiVersion ?? AZURE_DEFAULT_API_VERSION;
  const apiKey = resolveSecret(config.apiKey, deps.env);
  // Dated versions select the API by query string, which the OpenAI-compatible adapter does not
  // know about: add it on the way out.
  const versionedFetch: typeof fetch = (input, init) =>
    deps.fetch(
      withQuery(input instanceof Request ? input.url : String(input), 'api-version', apiVersion),
      init,
    );

  /** The OpenAI-compatible adapter aimed at one deployment (cheap: no I/O, no state). */
  const forDeployment = (deployment: string): ProviderAdapter => {
    if (apiKey.missing) {
      throw new UpstreamError(
        'config',
        0,
        `Provider '${name}' has no API key: set the Worker secret ${apiKey.missing}.`,
      );
    }
    const v1 = apiVersion === 'v1';
    const baseUrl = v1
      ? `${endpoint}/openai/v1`
      : `${endpoint}/openai/deployments/${encodeURIComponent(deployment)}`;
    return createOpenAICompatible(
      name,
      { type: 'openai', baseUrl, headers: { ...config.headers, 'api-key': apiKey.value ?? '' } },
      { env: deps.env, fetch: v1 ? deps.fetch : versionedFetch },
    );
  };

  return {
    name,
    type: 'azure-openai',
    models: config.models ?? [],
    chat: async (call) => forDeployment(call.model).chat(call),
    embeddings: async (call) => forDeployment(call.model).embeddings(call),
  };
}
