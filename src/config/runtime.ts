// A parsed config compiled once into what requests use: provider adapters and model routes.
import type { Env } from '../env';
import { createProvider } from '../providers/registry';
import type { ProviderAdapter } from '../providers/types';
import type { GatewayConfig, RouteConfig } from './schema';

export interface ResolvedRoute {
  /** What the client asked for (alias or `<provider>/<model>`). */
  requested: string;
  strategy: RouteConfig['strategy'];
  targets: RouteConfig['targets'];
}

export interface Runtime {
  readonly config: GatewayConfig;
  provider(name: string): ProviderAdapter | undefined;
  resolve(model: string): ResolvedRoute | undefined;
  /** Every model id a client can name: aliases first, then `<provider>/<model>` of advertised models. */
  modelIds(): string[];
}

export function compileRuntime(config: GatewayConfig, env: Env): Runtime {
  // Look `fetch` up at call time, so a test's stub of globalThis.fetch applies.
  const deps = { env, fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init) };
  const providers = new Map<string, ProviderAdapter>();
  for (const [name, providerConfig] of Object.entries(config.providers)) {
    providers.set(name, createProvider(name, providerConfig, deps));
  }
  const aliases = new Map(Object.entries(config.models));

  return {
    config,
    provider: (name) => providers.get(name),
    resolve(model) {
      const alias = aliases.get(model);
      if (alias) return { requested: model, strategy: alias.strategy, targets: alias.targets };
      const slash = model.indexOf('/');
      if (slash <= 0 || slash === model.length - 1) return undefined;
      const provider = model.slice(0, slash);
      if (!providers.has(provider)) return undefined;
      return {
        requested: model,
        strategy: 'fallback',
        targets: [{ provider, model: model.slice(slash + 1) }],
      };
    },
    modelIds() {
      const ids = [...aliases.keys()];
      for (const [name, adapter] of providers)
        for (const model of adapter.models) ids.push(`${name}/${model}`);
      return ids;
    },
  };
}
