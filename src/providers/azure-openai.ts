// `type: "azure-openai"` — Azure OpenAI. The wire format is OpenAI's, so this runs the
// OpenAI-compatible core (openAIWireAdapter) with Azure's URLs and authentication:
// `{endpoint}/openai/deployments/{deployment}/chat/completions?api-version=…` (and /embeddings,
// /images/generations, where the apiVersion must be one the deployment's image model takes: DALL·E 3
// on 2024-10-21, the GPT image models on a 2025 preview version or v1)
// with an `api-key` header. A target's `model` is the deployment name. `apiVersion: "v1"` uses
// Azure's version-less v1 API instead (`{endpoint}/openai/v1/…`, deployment name in `model`).
// Every body parameter is forwarded untouched, as for `type: "openai"` (and, as there, what OpenAI's
// newest models refuse is refused before the call: openai-model-rules.ts); Azure's own answers
// (content-filter results, prompt_filter_results chunks) are relayed as they come.
import * as z from 'zod';
import { pathSegment, urlUnder } from './base-url';
import { responsesApiSchema, runsHostedTools, usesResponses } from './openai-responses';
import { openAIWireAdapter } from './openai-wire';
import { apiKeyFor, resolveSecret, secretRef } from './secret';
import type { ProviderAdapter, ProviderDeps } from './types';
import { withoutUserinfo } from './url-credentials';

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
    /**
     * Ask for usage in streams (`stream_options.include_usage`); default: on, except for dated
     * api-versions before 2024-09-01, which refuse the parameter.
     */
    streamUsage: z.boolean().optional(),
    /**
     * Chat calls through the Responses API of Azure's v1 API (`/openai/v1/responses`, whatever
     * apiVersion): true for every deployment, a list for those, false for none. Unset: deployments
     * named after a Responses-only model (gpt-5-codex, o3-pro…: openai-responses.ts).
     */
    responsesApi: responsesApiSchema,
  })
  .refine((config) => (config.resourceName === undefined) !== (config.baseUrl === undefined), {
    message: 'set exactly one of resourceName and baseUrl',
    path: ['resourceName'],
  });
export type AzureOpenAIProviderConfig = z.infer<typeof azureOpenAIProviderSchema>;

export function createAzureOpenAI(
  name: string,
  config: AzureOpenAIProviderConfig,
  deps: ProviderDeps,
): ProviderAdapter {
  // The key goes in `api-key`, so a proxy's user:password in baseUrl can go in Authorization.
  const endpoint = withoutUserinfo(
    config.baseUrl ?? `https://${config.resourceName}.openai.azure.com`,
    config.headers,
  );
  const under = urlUnder(endpoint.url);
  const apiVersion = config.apiVersion ?? AZURE_DEFAULT_API_VERSION;
  const apiKey = resolveSecret(config.apiKey, deps.env);
  return openAIWireAdapter(
    {
      name,
      type: 'azure-openai',
      // Structured outputs (a tool's `strict`) came with API version 2024-08-01-preview.
      infersStrict: apiVersion === 'v1' || apiVersion >= '2024-08-01',
      models: config.models ?? [],
      streamUsage: config.streamUsage ?? (apiVersion === 'v1' || apiVersion >= '2024-09-01'),
      // Deployments are often named after their model: one named gpt-6-astra is held to its rules.
      servesOpenAIModels: true,
      // max_completion_tokens came with the same versions (reasoning deployments refuse max_tokens).
      capField: apiVersion === 'v1' || apiVersion >= '2024-09-01' ? 'max_completion_tokens' : 'max_tokens',
      // The v1 API takes the deployment as `model`; dated versions name it in the path and select
      // the API by query string.
      url: (path, deployment) =>
        apiVersion === 'v1'
          ? under(`/openai/v1${path}`)
          : under(
              `/openai/deployments/${pathSegment(deployment)}${path}?api-version=${encodeURIComponent(apiVersion)}`,
            ),
      responsesUrl: (deployment, body) =>
        usesResponses(config.responsesApi, deployment, true, body)
          ? under('/openai/v1/responses')
          : undefined,
      hostedUrl: (deployment) =>
        runsHostedTools(config.responsesApi, deployment, true) ? under('/openai/v1/responses') : undefined,
      headers: () => ({
        ...config.headers,
        'api-key': apiKeyFor(name, apiKey) ?? '',
        'content-type': 'application/json',
        ...(endpoint.authorization ? { authorization: endpoint.authorization } : {}),
      }),
    },
    deps.fetch,
  );
}
