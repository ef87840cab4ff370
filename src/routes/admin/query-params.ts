// Admin list endpoints refuse query parameters they do not know, naming the ones they do: a typo'd
// filter must not silently return everything.
import { invalidRequest } from '../../errors';

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
