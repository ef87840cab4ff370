// Write-time check of a key's or team's routing pins against a config: a pin that names an alias or
// provider the config lacks, or that leads back to itself, would route to nothing, so it is refused
// when written, as a config with such a route is (validate-routes.ts); and so is a config that
// would leave a stored pin so (pins-in-use.ts). Pure.
import { ownEntry } from '../config/own-entry';
import type { RouteConfig } from './config-schema';
import { everyList, type TargetSite, throughPins, walkPins } from './pin-walk';
import { wildcardPrefix } from './wildcards';

export interface PinnableConfig {
  providers: Readonly<Record<string, unknown>>;
  models: Readonly<Record<string, RouteConfig>>;
}

export type Pins = Readonly<Record<string, RouteConfig>>;

export interface PinProblem {
  /** Under the policy's `routing`: `['pin', 'fast', 'targets', 0, 'provider']`. */
  path: (string | number)[];
  message: string;
  /** What the pin lacks, briefly, for a list: `provider 'groq'`, `model alias 'fast'`. */
  missing: string;
}

/**
 * The first thing wrong with the entries `own` of `pin` under `config`, or undefined when every
 * name resolves. `pin` is every pin in force beside them (a team's and its key's, merged as
 * overrides.ts merges them): the aliases they name resolve through it, and a way back through it
 * is a loop; what is wrong inside the other entries alone is theirs, not `own`'s.
 */
export function pinProblem(
  pin: Pins | undefined,
  config: PinnableConfig,
  own: readonly string[] = Object.keys(pin ?? {}),
): PinProblem | undefined {
  return pinProblems(pin, config, own, true)[0];
}

/** Every problem of the entries `own` (the first only, with `firstOnly`), in walk order. */
function pinProblems(
  pin: Pins | undefined,
  config: PinnableConfig,
  own: readonly string[],
  firstOnly: boolean,
): PinProblem[] {
  if (!pin) return [];
  const mine = new Set(own);
  const found: PinProblem[] = [];
  const at = (site: TargetSite, field: 'provider' | 'alias') => [
    'pin',
    site.pinned ?? '',
    ...(site.rule === undefined ? [] : ['rules', site.rule]),
    'targets',
    site.index,
    field,
  ];
  const mineAt = (site: TargetSite) => site.pinned !== undefined && mine.has(site.pinned);
  const routeOf = throughPins(pin, config.models);
  for (const pinned of own) {
    const route = ownEntry(pin, pinned);
    if (!route) continue;
    if (!pinnable(pinned, config)) {
      found.push({
        path: ['pin', pinned],
        message: `The gateway config has no model alias or provider '${pinned}' to pin: a pin replaces the route of an alias in the config's "models", of a <provider>/<model> name of a configured provider, or of a name a wildcard alias matches.`,
        missing: `model alias or provider '${pinned}'`,
      });
      if (firstOnly) break;
      continue;
    }
    walkPins(pinned, route, true, {
      routeOf,
      lists: everyList,
      provider: (name, site) => {
        if (mineAt(site) && !Object.hasOwn(config.providers, name))
          found.push({
            path: at(site, 'provider'),
            message: `The gateway config has no provider '${name}'.`,
            missing: `provider '${name}'`,
          });
      },
      missingAlias: (alias, site) => {
        if (mineAt(site))
          found.push({
            path: at(site, 'alias'),
            message: `The gateway config has no model alias '${alias}'.`,
            missing: `model alias '${alias}'`,
          });
      },
      loop: (cycle, sites) => {
        // Said at the first step of the loop that is one of `own`'s, the loop told from there.
        const step = sites.findIndex(mineAt);
        if (step < 0) return;
        const told = [...cycle.slice(step, -1), ...cycle.slice(0, step), cycle[step]!].join(' → ');
        found.push({
          path: at(sites[step]!, 'alias'),
          message: `This pin leads back to itself (${told}), so it routes to nothing: a pinned alias stands for its pin wherever it is named, so name the targets themselves.`,
          missing: `a target other than itself (${told})`,
        });
      },
    });
    if (firstOnly && found.length > 0) break;
  }
  return found;
}

/** Pins as they stand under a config: a key's and its team's merged, or one policy's own. */
export interface PinsUnder {
  pin: Pins | undefined;
  config: PinnableConfig;
}

/**
 * The first problem of an entry of `own` in `after` that the same entry did not have `before` (a
 * write changed the pins, the team, or the config): a pin already broken is not this change's
 * doing, and must not stop an unrelated one (an admin could then neither move nor fix the key).
 * Problems are told apart by field and what is missing, so that an entry already broken in one
 * target (passed over: its others still route) is still refused a new one (its last working
 * target removed, a typo added).
 */
export function newPinProblem(
  before: PinsUnder | undefined,
  after: PinsUnder,
  own: readonly string[] = Object.keys(after.pin ?? {}),
): PinProblem | undefined {
  const known = new Set(before ? pinProblems(before.pin, before.config, own, false).map(problemKey) : []);
  return pinProblems(after.pin, after.config, own, false).find((problem) => !known.has(problemKey(problem)));
}

const problemKey = (problem: PinProblem) => `${problem.path.join('\u0000')}\u0001${problem.missing}`;

/**
 * A pin's key names what a request can ask for: an alias, a model at a configured provider, or a
 * name a wildcard alias matches (pinned by that name: a request's pin is looked up by what it asked).
 */
function pinnable(name: string, config: PinnableConfig): boolean {
  if (Object.hasOwn(config.models, name)) return true;
  const slash = name.indexOf('/');
  if (slash > 0 && slash < name.length - 1 && Object.hasOwn(config.providers, name.slice(0, slash)))
    return true;
  return Object.keys(config.models).some((alias) => {
    const prefix = wildcardPrefix(alias);
    return prefix !== undefined && name.startsWith(prefix);
  });
}
