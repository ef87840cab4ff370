// A zod issue told where a client looks for it: a union's failure in the branch that got furthest
// into the value, or else as what the union allows and what the value was — never zod's bare
// "Invalid input", which names neither.
import type * as z from 'zod';

type Issue = z.core.$ZodIssue;

export interface Told {
  path: PropertyKey[];
  /** What is wrong; absent when `expected` and the value's type say it (a union none of whose types fit). */
  message?: string;
  /** The value is of none of the types allowed there: what is ("expected array"), to say it is required or what it was instead. */
  expected?: string;
}

/** zod's message for a union, whatever went wrong in it. */
const OPAQUE = 'Invalid input';

/** `issue` of a parse of `value`, told (a union's branches' paths are from the union on). */
export function told(issue: Issue, value: unknown): Told {
  const path = [...issue.path];
  const at = valueAt(value, path);
  if (issue.code === 'invalid_type')
    return { path, message: issue.message, expected: `expected ${issue.expected}` };
  // An enum's refusal of a value of another type (a number for a tool choice) is a wrong type too.
  if (issue.code === 'invalid_value' && !issue.values.some((allowed) => typeof allowed === typeof at))
    return { path, message: issue.message, expected: `expected one of ${issue.values.join(', ')}` };
  if (issue.code !== 'invalid_union') return { path, message: issue.message };
  const branches = issue.errors.flatMap((errors) => (errors[0] ? [told(errors[0], at)] : []));
  if (branches.length === 0) return { path, message: issue.message };
  const best = furthest(branches, at);
  // What the schema says the union allows (`z.union([...], { error })`), when it says it.
  const own = issue.message === OPAQUE ? undefined : issue.message;
  if (best.path.length > 0 || (!own && !best.expected)) return { ...best, path: [...path, ...best.path] };
  if (own) return best.expected ? { path, expected: own } : { path, message: own };
  const kinds = new Set(branches.map((branch) => branch.expected?.replace(/^expected /, '')));
  return { path, expected: `expected ${[...kinds].join(' or ')}` };
}

/**
 * The branch that got furthest into the value; at a tie, one that took the value there as of its
 * type (a string outside an enum: the enum's message, not another branch's "expected object") — a
 * missing field counts as taken: its branch got past everything before it.
 */
function furthest(branches: Told[], value: unknown): Told {
  const wrongType = (branch: Told) =>
    branch.expected !== undefined && valueAt(value, branch.path) !== undefined;
  let best = branches[0] as Told;
  for (const branch of branches.slice(1)) {
    const tie = branch.path.length === best.path.length;
    if (branch.path.length > best.path.length || (tie && wrongType(best) && !wrongType(branch)))
      best = branch;
  }
  return best;
}

/** The words for a told issue of a parse of `value`: "is required (…)" when nothing is at its path. */
export function toldWords(issue: Told, value: unknown): string {
  const at = valueAt(value, issue.path);
  if (at === undefined && issue.expected) return `is required (${issue.expected})`;
  return issue.message ?? `${issue.expected}, received ${kindOf(at)}`;
}

/** What sits at `path` in `value`; undefined when nothing does. */
function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = Object.hasOwn(current, segment)
      ? (current as Record<PropertyKey, unknown>)[segment]
      : undefined;
  }
  return current;
}

/** A JSON value's type as zod names it in its own messages. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}
