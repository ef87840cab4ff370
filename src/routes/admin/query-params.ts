// Admin list endpoints refuse query parameters they do not know, naming the ones they do: a typo'd
// filter must not silently return everything.
import { invalidRequest } from '../../errors';

/** A true/false query parameter: absent is `absent`; anything but `true` or `false` is a 400, not false. */
export function flag(value: string | undefined, name: string, absent = false): boolean {
  if (value === undefined) return absent;
  if (value === 'false') return false;
  if (value === 'true') return true;
  throw invalidRequest(`Query parameter '${name}' is true or false, not '${value}'.`, name);
}

/**
 * Refuses a query parameter given more than once (`?model=a&model=b`): only its first value would
 * be read, so the filter the caller meant (both? the last?) would be silently answered as another.
 */
export function rejectRepeated(queries: Record<string, string[]>): void {
  for (const [name, values] of Object.entries(queries)) {
    if (values.length > 1)
      throw invalidRequest(`Query parameter '${name}' is given ${values.length} times: give it once.`, name);
  }
}

export function rejectUnknown(params: Record<string, string>, allowed: readonly string[]): void {
  for (const name of Object.keys(params)) {
    if (!allowed.includes(name))
      throw invalidRequest(
        `Unknown query parameter '${name}'. Allowed: ${allowed.join(', ')}.`,
        name,
        'unknown_parameter',
      );
  }
}
