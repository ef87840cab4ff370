// Every provider type the config accepts: its schema and its adapter factory, in one map.
import * as z from 'zod';
import { anthropicProviderSchema, createAnthropic } from './anthropic';
import { azureOpenAIProviderSchema, createAzureOpenAI } from './azure-openai';
import { bedrockProviderSchema, createBedrock } from './bedrock';
import { cohereProviderSchema, createCohere } from './cohere';
import { createGemini, geminiProviderSchema } from './gemini';
import { headerFieldsSchema } from './header-fields';
import { createMock, mockProviderSchema } from './mock';
import { createOpenAICompatible, openaiProviderSchema } from './openai-compatible';
import type { ProviderAdapter, ProviderDeps } from './types';
import { createVertex, vertexProviderSchema } from './vertex';
import { createWorkersAI, workersAIProviderSchema } from './workers-ai';

export const providerConfigSchema = z.discriminatedUnion('type', [
  openaiProviderSchema,
  mockProviderSchema,
  anthropicProviderSchema,
  geminiProviderSchema,
  bedrockProviderSchema,
  azureOpenAIProviderSchema,
  workersAIProviderSchema,
  cohereProviderSchema,
  vertexProviderSchema,
]);
export type ProviderConfig = z.infer<typeof providerConfigSchema>;

/**
 * What every provider must also pass to be written (PUT /admin/config), whatever its type: rules
 * added after configs were stored without them, so not in providerConfigSchema, which must still
 * load such a config.
 */
export const writtenProviderSchema = z.looseObject({
  baseUrl: z
    .string()
    .refine(
      (url) => !url.includes('#'),
      'a baseUrl cannot have a #fragment: it is never sent, nor would the path after it be',
    )
    .optional(),
  headers: headerFieldsSchema.optional(),
});

export function createProvider(name: string, config: ProviderConfig, deps: ProviderDeps): ProviderAdapter {
  switch (config.type) {
    case 'openai':
      return createOpenAICompatible(name, config, deps);
    case 'mock':
      return createMock(name, config);
    case 'anthropic':
      return createAnthropic(name, config, deps);
    case 'gemini':
      return createGemini(name, config, deps);
    case 'bedrock':
      return createBedrock(name, config, deps);
    case 'azure-openai':
      return createAzureOpenAI(name, config, deps);
    case 'workers-ai':
      return createWorkersAI(name, config, deps);
    case 'cohere':
      return createCohere(name, config, deps);
    case 'vertex':
      return createVertex(name, config, deps);
  }
}
