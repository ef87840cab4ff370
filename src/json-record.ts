// The one test for "a JSON object" (not null, not an array) that walks of untyped JSON share.

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
