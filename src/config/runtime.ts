// A parsed config compiled once into what requests use: provider adapters and model routes.
import type { Env } from '../env';
import { createProvider } from '../providers/registry';
import type { ProviderAdapter } from '../providers/types';
import { CircuitBreakers } from '../routing/circuit-breaker';
import type { ProviderFilter } from '../routing/overrides';
import { compileWildcards, substitute, wildcardPrefix } from '../routing/wildcards';
import type { GatewayConfig, RouteConfig } from './schema';

/**
 * The route a model name names, as configured. Nested aliases and rules are expanded per request
 * (routing/strategies.ts), because rules look at the request and loadbalance draws at random.
 */
export interface ResolvedRoute {
  /** What the client asked for (alias, `<provider>/<model>`, or a name a wildcard alias matched). */
  requested: string;
  strategy: RouteConfig['strategy'];
  targets: RouteConfig['targets'];
  rules?: RouteConfig['rules'];
  /** Per-key routes for aliases (routing/overrides.ts), used before the config's, also when nested. */
  pins?: Readonly<Record<string, RouteConfig>>;
  /** Per-key provider limits (routing/overrides.ts). */
  providers?: ProviderFilter;
}

export interface Runtime {
  readonly config: GatewayConfig;
  provider(name: string): ProviderAdapter | undefined;
  /** Health of provider+model pairs in this isolate, for as long as this config is current. */
  readonly circuits: CircuitBreakers;
  /**
   * An exact alias, else `<provider>/<model>` of a configured provider, else the wildcard alias with
   * the longest matching prefix — its targets' `*` already filled in, so all downstream sees real models.
   */
  resolve(model: string): ResolvedRoute | undefined;
  /**
   * Every model id a client can name: aliases first (not wildcards: no one name), then
   * `<provider>/<model>` of advertised models.
   */
  modelIds(): string[];
}

export function compileRuntime(config: GatewayConfig, env: Env): Runtime {
  // Look `fetch` up at call time, so a test's stub of globalThis.fetch applies.
  const deps = { env, fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init) };
  const providers = new Map<string, ProviderAdapter>();
  for (const [name, providerConfig] of Object.entries(config.providers)) {
    providers.set(name, createProvider(name, providerConfig, deps));
  }
  const aliases = new Map(
    Object.entries(config.models).filter(([name]) => wildcardPrefix(name) === undefined),
  );
  const wildcards = compileWildcards(config.models);

  return {
    config,
    provider: (name) => providers.get(name),
    circuits: new CircuitBreakers(),
    resolve(model) {
      const alias = aliases.get(model);
      if (alias) return { requested: model, ...alias };
      const slash = model.indexOf('/');
      const provider = model.slice(0, slash);
      if (slash <= 0 || slash === model.length - 1 || !providers.has(provider)) {
        const wildcard = wildcards.find(({ prefix }) => model.startsWith(prefix));
        return (
          wildcard && { requested: model, ...substitute(wildcard.route, model.slice(wildcard.prefix.length)) }
        );
      }
      return {
        requested: model,
        strategy: 'fallback',
        targets: [{ provider, model: model.slice(slash + 1) }],
      };
    },
    modelIds() {
      // A Set: an alias may be named like a provider's model (`mock/mock-1`); it is listed once.
      const ids = new Set(aliases.keys());
      for (const [name, adapter] of providers)
        for (const model of adapter.models) ids.add(`${name}/${model}`);
      return [...ids];
    },
  };
}
