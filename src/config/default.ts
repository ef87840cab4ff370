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
  const providers: GatewayConfigInput['providers'] = { mock: { type: 'mock', models: ['mock-1'] } };
  for (const provider of available) providers[provider.name] = provider.config;

  const targets = (pick: (p: KnownProvider) => string | undefined) => {
    const real = available.flatMap((p) => {
      const model = pick(p);
      return model ? [{ provider: p.name, model }] : [];
    });
    return real.length > 0 ? real : [{ provider: 'mock', model: 'mock-1' }];
  };

  return {
    providers,
    models: {
      fast: { strategy: 'fallback', targets: targets((p) => p.fast) },
      smart: { strategy: 'fallback', targets: targets((p) => p.smart) },
      embeddings: { strategy: 'fallback', targets: targets((p) => p.embeddings) },
    },
  };
}
