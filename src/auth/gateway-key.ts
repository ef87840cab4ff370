// Gateway keys: `tg-` + 192 random bits (base64url), shown once, stored only as SHA-256 hex.
import { hex } from '../bytes';

const KEY_PATTERN = /^tg-[A-Za-z0-9_-]{32}$/;

export function generateGatewayKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return `tg-${base64url(bytes)}`;
}

export function looksLikeGatewayKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}

/** The first characters of a key, safe to display so a user can tell their keys apart. */
export function keyPrefix(key: string): string {
  return `${key.slice(0, 7)}…`;
}

const encoder = new TextEncoder();

/** Hex SHA-256; on every request twice (the key, the cache key), hence the table. */
export async function sha256Hex(value: string): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(value))));
}

/** `Authorization: Bearer <key>` (OpenAI SDKs) or `x-api-key: <key>` (Anthropic-style clients). */
export function presentedKey(headers: Headers): string | undefined {
  const authorization = headers.get('authorization');
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1] ?? authorization;
  }
  return headers.get('x-api-key')?.trim() ?? undefined;
}

const CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Unpadded base64url of whole 3-byte groups (every caller's length is a multiple of 3). */
function base64url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out +=
      CHARS.charAt(n >> 18) +
      CHARS.charAt((n >> 12) & 63) +
      CHARS.charAt((n >> 6) & 63) +
      CHARS.charAt(n & 63);
  }
  return out;
}

const ID_BYTES = 12;
/** Random bytes for 256 ids, drawn in one call: a request's id is made on every request. */
const idPool = new Uint8Array(ID_BYTES * 256);
let idPoolUsed = idPool.length;

/** `<prefix>_` + 96 random bits (base64url): request, key, team, token and audit ids. */
export function randomId(prefix: string): string {
  if (idPoolUsed === idPool.length) {
    crypto.getRandomValues(idPool);
    idPoolUsed = 0;
  }
  const bytes = idPool.subarray(idPoolUsed, idPoolUsed + ID_BYTES);
  idPoolUsed += ID_BYTES;
  return `${prefix}_${base64url(bytes)}`;
}
