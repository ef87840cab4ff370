// Wildcard model aliases: an alias named `claude-*` serves every requested name starting `claude-`,
// and a `*` in its targets' models stands for the rest of that name (`claude-*` → `claude-opus-4-8`).
// Clients such as Claude Code ask for real, ever-changing model names; one alias covers them all.
import type * as z from 'zod';
import type { RouteConfig, TargetRef } from './config-schema';
import { targetLists } from './validate-routes';

export interface Wildcard {
  prefix: string;
  route: RouteConfig;
}

/** The part before a wildcard alias's `*`, or undefined for an alias matched exactly. */
export const wildcardPrefix = (alias: string): string | undefined =>
  alias.endsWith('*') ? alias.slice(0, -1) : undefined;

/** The config's wildcard aliases, longest prefix first: the first that matches a name wins. */
export function compileWildcards(models: Readonly<Record<string, RouteConfig>>): Wildcard[] {
  const found: Wildcard[] = [];
  for (const [alias, route] of Object.entries(models)) {
    const prefix = wildcardPrefix(alias);
    if (prefix !== undefined) found.push({ prefix, route });
  }
  return found.sort((a, b) => b.prefix.length - a.prefix.length);
}

/** `route` for the name whose part after the prefix is `rest`: each `*` in a target's model becomes it. */
export function substitute(route: RouteConfig, rest: string): RouteConfig {
  // split/join, not replaceAll: a name's `$&` must not be read as a replacement pattern.
  const fill = (targets: TargetRef[]) =>
    targets.map((t) => (t.model?.includes('*') ? { ...t, model: t.model.split('*').join(rest) } : t));
  return {
    ...route,
    targets: fill(route.targets),
    ...(route.rules && { rules: route.rules.map((rule) => ({ ...rule, targets: fill(rule.targets) })) }),
  };
}

/**
 * Checks of a config as written (not of one stored before wildcards, which still loads: its names
 * not ending in `*` stay exact). A `*` only ends an alias; a `<provider>/…` wildcard of a configured
 * provider never matches (those names go to the provider first); a target alias names one alias
 * exactly; and a `*` in a target's model needs a wildcard alias to stand for.
 */
export function checkWildcards(
  config: { providers: Record<string, unknown>; models: Record<string, RouteConfig> },
  ctx: z.RefinementCtx,
): void {
  const refuse = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: 'custom', path, message });
  for (const [alias, route] of Object.entries(config.models)) {
    const prefix = wildcardPrefix(alias);
    const slash = prefix?.indexOf('/') ?? -1;
    if ((prefix ?? alias).includes('*'))
      refuse(['models', alias], `a '*' may only end an alias name, once (a wildcard such as 'claude-*')`);
    else if (slash > 0 && Object.hasOwn(config.providers, prefix!.slice(0, slash)))
      refuse(
        ['models', alias],
        `wildcard '${alias}' would never match: a name '${prefix!.slice(0, slash)}/<model>' goes to that provider`,
      );
    for (const { path, targets } of targetLists(alias, route))
      targets.forEach((target, index) => {
        if (target.alias?.includes('*'))
          refuse([...path, index, 'alias'], `a target's alias names one alias exactly, without '*'`);
        else if (prefix === undefined && target.model?.includes('*'))
          refuse(
            [...path, index, 'model'],
            `a '*' in a target's model stands for what a wildcard alias matched; '${alias}' is not one`,
          );
      });
  }
}
