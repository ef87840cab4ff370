// The one test for "a JSON object" (not null, not an array) that walks of untyped JSON share, and
// the one lenient parse of stored JSON text that a schema then checks.

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `text` parsed, or undefined when it is not JSON (a schema checking the result refuses that too). */
export function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
