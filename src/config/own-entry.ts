// Looking names up in tables a config or a client wrote (models, providers, pins): own entries
// only, so that a name like `toString` or `constructor` never finds Object.prototype's.

/** The table's own entry under `name`, or undefined. */
export function ownEntry<T>(table: Readonly<Record<string, T>> | undefined, name: string): T | undefined {
  return table && Object.hasOwn(table, name) ? table[name] : undefined;
}
