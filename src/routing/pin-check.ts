// Write-time check of a key's or team's routing pins against the current config: a pin that names
// an alias or provider the config lacks, or that leads back to itself, would route to nothing, so
// it is refused when written, as a config with such a route is (validate-routes.ts). Pure.
import { ownEntry } from '../config/own-entry';
import type { RouteConfig } from './config-schema';
import { targetLists } from './validate-routes';

interface PinnableConfig {
  providers: Readonly<Record<string, unknown>>;
  models: Readonly<Record<string, RouteConfig>>;
}

export interface PinProblem {
  /** Under the policy's `routing`: `['pin', 'fast', 'targets', 0, 'provider']`. */
  path: (string | number)[];
  message: string;
}

/** The first thing wrong with `pin` under `config`, or undefined when every name resolves. */
export function pinProblem(
  pin: Readonly<Record<string, RouteConfig>> | undefined,
  config: PinnableConfig,
): PinProblem | undefined {
  if (!pin) return undefined;
  // What an alias stands for for this policy: its pin, else the config's route (strategies.ts).
  const routeOf = (alias: string) => ownEntry(pin, alias) ?? ownEntry(config.models, alias);
  for (const [pinned, route] of Object.entries(pin)) {
    if (!pinnable(pinned, config))
      return {
        path: ['pin', pinned],
        message: `The gateway config has no model alias or provider '${pinned}' to pin: a pin replaces the route of an alias in the config's "models", or of a <provider>/<model> name of a configured provider.`,
      };
    for (const { path, targets } of targetLists(pinned, route)) {
      const at = ['pin', ...path.slice(1)];
      for (const [index, target] of targets.entries()) {
        if (target.alias === undefined) {
          if (!Object.hasOwn(config.providers, target.provider))
            return {
              path: [...at, index, 'provider'],
              message: `The gateway config has no provider '${target.provider}'.`,
            };
          continue;
        }
        if (!routeOf(target.alias))
          return {
            path: [...at, index, 'alias'],
            message: `The gateway config has no model alias '${target.alias}'.`,
          };
        const back = chainBack(target.alias, pinned, routeOf);
        if (back)
          return {
            path: [...at, index, 'alias'],
            message: `This pin leads back to itself (${[pinned, ...back].join(' → ')}), so it routes to nothing: a pinned alias stands for its pin wherever it is named, so name the targets themselves.`,
          };
      }
    }
  }
  return undefined;
}

/** A pin's key names what a request can ask for: an alias, or a model at a configured provider. */
function pinnable(name: string, config: PinnableConfig): boolean {
  if (Object.hasOwn(config.models, name)) return true;
  const slash = name.indexOf('/');
  return slash > 0 && slash < name.length - 1 && Object.hasOwn(config.providers, name.slice(0, slash));
}

/** The aliases from `from` to `goal` through nested alias targets, both included; undefined when none. */
function chainBack(
  from: string,
  goal: string,
  routeOf: (alias: string) => RouteConfig | undefined,
): string[] | undefined {
  const seen = new Set<string>();
  const walk = (alias: string): string[] | undefined => {
    if (alias === goal) return [alias];
    if (seen.has(alias)) return undefined;
    seen.add(alias);
    const route = routeOf(alias);
    for (const { targets } of route ? targetLists(alias, route) : [])
      for (const target of targets) {
        if (target.alias === undefined) continue;
        const rest = walk(target.alias);
        if (rest) return [alias, ...rest];
      }
    return undefined;
  };
  return walk(from);
}
