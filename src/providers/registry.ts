// Every provider type the config accepts: its schema and its adapter factory, in one map.
import { z } from 'zod';
import { anthropicProviderSchema, createAnthropic } from './anthropic';
import { azureOpenAIProviderSchema, createAzureOpenAI } from './azure-openai';
import { bedrockProviderSchema, createBedrock } from './bedrock';
import { cohereProviderSchema, createCohere } from './cohere';
import { createGemini, geminiProviderSchema } from './gemini';
import { createMock, mockProviderSchema } from './mock';
import { createOpenAICompatible, openaiProviderSchema } from './openai-compatible';
import type { ProviderAdapter, ProviderDeps } from './types';
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
]);
export type ProviderConfig = z.infer<typeof providerConfigSchema>;

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
  }
}
