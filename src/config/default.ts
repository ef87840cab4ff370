// The bundled config, used until one is stored with PUT /admin/config. It serves real providers
// whose secrets are set, and only when none is, the built-in mock — so a fresh `npm start` answers
// at once, and a deployment with keys never silently falls back to fake answers.
import { type Env, readSecret } from '../env';
import type { GatewayConfigInput } from './schema';

interface KnownProvider {
  name: string;
  secret: string;
  config: GatewayConfigInput['providers'][string];
  fast: string;
  smart: string;
  embeddings?: string;
}

const KNOWN: KnownProvider[] = [
  {
    name: 'openai',
    secret: 'OPENAI_API_KEY',
    config: { type: 'openai', apiKey: 'env:OPENAI_API_KEY' },
    fast: 'gpt-4o-mini',
    smart: 'gpt-4o',
    embeddings: 'text-embedding-3-small',
  },
  {
    name: 'groq',
    secret: 'GROQ_API_KEY',
    config: { type: 'openai', preset: 'groq', apiKey: 'env:GROQ_API_KEY' },
    fast: 'llama-3.1-8b-instant',
    smart: 'llama-3.3-70b-versatile',
  },
];

export function defaultConfig(env: Env): GatewayConfigInput {
  const available = KNOWN.filter((provider) => readSecret(env, provider.secret));
  if (available.length === 0) {
    const mock = [{ provider: 'mock', model: 'mock-1' }];
    return {
      providers: { mock: { type: 'mock', models: ['mock-1'] } },
      models: {
        fast: { strategy: 'fallback', targets: mock },
        smart: { strategy: 'fallback', targets: mock },
        embeddings: { strategy: 'fallback', targets: mock },
      },
    };
  }
  // Real providers only: no mock beside them, and no alias that none of them can serve (Groq has
  // no embeddings: without OpenAI, `embeddings` is not offered rather than answered with fakes).
  const providers: GatewayConfigInput['providers'] = {};
  for (const provider of available) providers[provider.name] = provider.config;
  const models: GatewayConfigInput['models'] = {};
  for (const alias of ['fast', 'smart', 'embeddings'] as const) {
    const targets = available.flatMap((p) => (p[alias] ? [{ provider: p.name, model: p[alias] }] : []));
    if (targets.length > 0) models[alias] = { strategy: 'fallback', targets };
  }
  return { providers, models };
}
