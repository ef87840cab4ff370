// Opaque cursors for admin lists: base64url of "<createdAt>:<id>".
import { invalidRequest } from '../../errors';

export function encodeCursor(createdAt: number, id: string): string {
  return btoa(`${createdAt}:${id}`).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

export function decodeCursor(cursor: string | undefined): { createdAt: number; id: string } | undefined {
  if (!cursor) return undefined;
  try {
    const text = atob(cursor.replaceAll('-', '+').replaceAll('_', '/'));
    const colon = text.indexOf(':');
    const createdAt = Number(text.slice(0, colon));
    const id = text.slice(colon + 1);
    if (colon > 0 && Number.isSafeInteger(createdAt) && id) return { createdAt, id };
  } catch {
    // fall through to the error below
  }
  throw invalidRequest('Invalid cursor: pass back the nextCursor of a previous page.', 'cursor');
}

export function pageLimit(value: string | undefined, fallback = 50, max = 200): number {
  if (value === undefined) return fallback;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw invalidRequest(`limit must be an integer between 1 and ${max}.`, 'limit');
  }
  return limit;
}
