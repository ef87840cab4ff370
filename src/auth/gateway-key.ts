// Gateway keys: `tg-` + 192 random bits (base64url), shown once, stored only as SHA-256 hex.
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

export async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value));
  let hex = '';
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, '0');
  return hex;
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

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

export function randomId(prefix: string): string {
  return `${prefix}_${base64url(crypto.getRandomValues(new Uint8Array(12)))}`;
}
