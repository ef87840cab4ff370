// The bundled config: real providers whose secrets are set, and the mock only when none is.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/default';
import { gatewayConfigSchema } from '../../src/config/schema';
import type { Env } from '../../src/env';

const withSecrets = (secrets: Record<string, string>) => ({ ...env, ...secrets }) as Env;

describe('defaultConfig', () => {
  it('serves the mock for every alias when no provider secret is set', () => {
    const config = defaultConfig(withSecrets({}));
    expect(Object.keys(config.providers)).toEqual(['mock']);
    expect(Object.keys(config.models ?? {})).toEqual(['fast', 'smart', 'embeddings']);
    expect(gatewayConfigSchema.safeParse(config).success).toBe(true);
  });

  it('never keeps the mock beside a real provider, nor an alias no real provider serves', () => {
    const groq = defaultConfig(withSecrets({ GROQ_API_KEY: 'gsk-test' }));
    expect(Object.keys(groq.providers)).toEqual(['groq']);
    // Groq has no embeddings model: the alias is not offered (it would have answered fake vectors).
    expect(Object.keys(groq.models ?? {})).toEqual(['fast', 'smart']);
    expect(gatewayConfigSchema.safeParse(groq).success).toBe(true);

    const both = defaultConfig(withSecrets({ GROQ_API_KEY: 'gsk-test', OPENAI_API_KEY: 'sk-test' }));
    expect(Object.keys(both.providers).sort()).toEqual(['groq', 'openai']);
    expect(both.models?.embeddings?.targets).toEqual([
      { provider: 'openai', model: 'text-embedding-3-small' },
    ]);
    expect(both.models?.fast?.targets).toHaveLength(2);
  });
});
