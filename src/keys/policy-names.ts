// The names a key's or team's policy may not use, as a config may not (config/reserved-keys.ts): no
// provider or alias is named `__proto__`, `constructor` or `prototype`, so a policy naming one names
// nothing, and a pin keyed `__proto__` would vanish unseen when parsed; nor a `*` where it means
// nothing (routing/wildcards.ts). Checked on what an admin writes, not on a stored policy, so that
// one written before these checks still loads.
import * as z from 'zod';
import { checkReservedKeys, isReserved, reservedName } from '../config/reserved-keys';
import type { TargetRef } from '../routing/config-schema';
import { type RoutingOverride, routingOverrideSchema } from '../routing/overrides';
import { modelAllowlistSchema } from './policy';

/**
 * An allowlist whose entries name no reserved alias or provider (`<provider>/<model>`, `<provider>/*`),
 * with a `*` only at the end (a prefix): one elsewhere would silently match nothing.
 */
export const writtenAllowlist = modelAllowlistSchema.superRefine((models, ctx) => {
  for (const [index, entry] of models.entries()) {
    const slash = entry.indexOf('/');
    const name = slash < 0 ? entry : entry.slice(0, slash);
    if (isReserved(name)) ctx.addIssue({ code: 'custom', path: [index], message: reservedName(name) });
    const star = entry.indexOf('*');
    if (star >= 0 && star < entry.length - 1)
      ctx.addIssue({
        code: 'custom',
        path: [index],
        message: `a '*' may only end an entry, once, as a prefix ('claude-*', '<provider>/*', '*')`,
      });
  }
});

/**
 * A routing override as written: every key in it checked before it is parsed (a pinned alias, a
 * rule's metadata field), then the providers and aliases it names.
 */
export const writtenRouting = z
  .unknown()
  .superRefine(checkReservedKeys)
  .pipe(routingOverrideSchema.superRefine(checkNamed).nullable());

function checkNamed(routing: RoutingOverride, ctx: z.RefinementCtx): void {
  const refuse = (name: string, path: PropertyKey[]) => {
    if (isReserved(name)) ctx.addIssue({ code: 'custom', path, message: reservedName(name) });
  };
  for (const field of ['allowProviders', 'denyProviders'] as const)
    for (const [index, provider] of (routing[field] ?? []).entries()) refuse(provider, [field, index]);
  // A pin replaces the route of one name a client asks for, so it names real models: no `*` to fill.
  const star = (name: string, path: PropertyKey[]) => {
    if (name.includes('*'))
      ctx.addIssue({
        code: 'custom',
        path,
        message: `a pin names concrete models: pin each name a wildcard alias matches ('claude-opus-4-8'), without '*'`,
      });
  };
  const targets = (list: readonly TargetRef[], path: PropertyKey[]) => {
    for (const [index, target] of list.entries()) {
      if (target.alias !== undefined) {
        refuse(target.alias, [...path, index, 'alias']);
        star(target.alias, [...path, index, 'alias']);
      } else {
        refuse(target.provider, [...path, index, 'provider']);
        star(target.model, [...path, index, 'model']);
      }
    }
  };
  for (const [alias, route] of Object.entries(routing.pin ?? {})) {
    star(alias, ['pin', alias]);
    targets(route.targets, ['pin', alias, 'targets']);
    for (const [index, rule] of (route.rules ?? []).entries())
      targets(rule.targets, ['pin', alias, 'rules', index, 'targets']);
  }
}
