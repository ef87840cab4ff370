// Names no entry of a config may have (provider, alias, price, header, namespace, metadata field…),
// nor a key's or team's policy (src/keys/policy-names.ts).
import type * as z from 'zod';

/**
 * `__proto__` sets a parsed record's prototype rather than adding the entry, which silently
 * vanishes; `constructor` and `prototype` name Object's own members wherever a lookup forgets
 * ownEntry (own-entry.ts).
 */
const RESERVED: readonly string[] = ['__proto__', 'constructor', 'prototype'];

export const isReserved = (name: string): boolean => RESERVED.includes(name);

/** Why `name` is refused, as every refusal of one says it. */
export const reservedName = (name: string): string =>
  `'${name}' is reserved: choose another name (nothing may be named '__proto__', 'constructor' or 'prototype')`;

/**
 * Checked on a config as written, before it is parsed (which drops a `__proto__` entry unseen);
 * not when a stored one is read, so that one written before this check still loads.
 */
export function checkReservedKeys(config: unknown, ctx: z.RefinementCtx): void {
  visit(config, [], ctx);
}

/** Recursive: a written body is at most 100 levels deep (read-body.ts). */
function visit(value: unknown, path: PropertyKey[], ctx: z.RefinementCtx): void {
  if (typeof value !== 'object' || value === null) return;
  const list = Array.isArray(value);
  for (const [key, child] of Object.entries(value)) {
    const at = [...path, list ? Number(key) : key];
    if (!list && isReserved(key)) ctx.addIssue({ code: 'custom', path: at, message: reservedName(key) });
    visit(child, at, ctx);
  }
}
