// Checks across model routes that one route's schema cannot see: targets must name configured
// providers and aliases, and nested aliases must not form a cycle. Each problem names its path.
import type * as z from 'zod';
import { ownEntry } from '../config/own-entry';
import type { RouteConfig, TargetRef } from './config-schema';

interface RoutesInput {
  providers: Record<string, unknown>;
  models: Record<string, RouteConfig>;
}

type Path = (string | number)[];

/** Every target list of a route with its path: the targets, then each rule's targets. */
export function targetLists(alias: string, route: RouteConfig): { path: Path; targets: TargetRef[] }[] {
  const lists = [{ path: ['models', alias, 'targets'] as Path, targets: route.targets }];
  route.rules?.forEach((rule, index) => {
    lists.push({ path: ['models', alias, 'rules', index, 'targets'], targets: rule.targets });
  });
  return lists;
}

export function checkRoutes(config: RoutesInput, ctx: z.RefinementCtx): void {
  for (const [alias, route] of Object.entries(config.models)) {
    for (const { path, targets } of targetLists(alias, route)) {
      targets.forEach((target, index) => {
        if (target.alias !== undefined) {
          if (!Object.hasOwn(config.models, target.alias)) {
            ctx.addIssue({
              code: 'custom',
              path: [...path, index, 'alias'],
              message: `unknown model alias '${target.alias}'`,
            });
          }
        } else if (!Object.hasOwn(config.providers, target.provider)) {
          ctx.addIssue({
            code: 'custom',
            path: [...path, index, 'provider'],
            message: `unknown provider '${target.provider}'`,
          });
        }
      });
    }
  }
  for (const cycle of findCycles(config.models)) {
    const message = cycle.tooDeep
      ? `aliases nested more than ${MAX_ALIAS_NESTING} deep: ${cycle.chain.join(' → ')} → …`
      : `alias cycle: ${cycle.chain.join(' → ')}`;
    ctx.addIssue({ code: 'custom', path: cycle.path, message });
  }
}

/** How deep aliases may nest (an alias naming an alias naming…). */
export const MAX_ALIAS_NESTING = 16;

/**
 * Depth-first search over alias references; each reference that closes a cycle is reported once,
 * at the path of that reference, and so is the first that makes a chain of aliases longer than
 * MAX_ALIAS_NESTING (however the aliases are listed: each alias's height — the longest chain below
 * it — is kept, and the walk never goes deeper than the limit).
 */
export function findCycles(
  models: Record<string, RouteConfig>,
): { path: Path; chain: string[]; tooDeep?: true }[] {
  const done = new Set<string>();
  /** Aliases in the longest chain from an alias down (itself included), capped past the limit. */
  const height = new Map<string, number>();
  const found: { path: Path; chain: string[]; tooDeep?: true }[] = [];
  const stack: string[] = [];
  let tooDeepFound = false;

  const visit = (alias: string) => {
    const route = ownEntry(models, alias);
    if (!route || done.has(alias)) return;
    stack.push(alias);
    let below = 0;
    for (const { path, targets } of targetLists(alias, route)) {
      targets.forEach((target, index) => {
        if (target.alias === undefined || !Object.hasOwn(models, target.alias)) return;
        const at = stack.indexOf(target.alias);
        if (at >= 0) {
          found.push({ path: [...path, index, 'alias'], chain: [...stack.slice(at), target.alias] });
          return;
        }
        if (stack.length < MAX_ALIAS_NESTING) visit(target.alias);
        const under = done.has(target.alias) ? (height.get(target.alias) ?? 1) : MAX_ALIAS_NESTING + 1;
        below = Math.max(below, under);
        if (stack.length + under > MAX_ALIAS_NESTING && !tooDeepFound) {
          tooDeepFound = true;
          found.push({ path: [...path, index, 'alias'], chain: [...stack, target.alias], tooDeep: true });
        }
      });
    }
    stack.pop();
    height.set(alias, Math.min(below + 1, MAX_ALIAS_NESTING + 1));
    done.add(alias);
  };

  for (const alias of Object.keys(models)) visit(alias);
  return found;
}
