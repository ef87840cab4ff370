// OAuth access tokens for a Google service account: a JWT signed with its private key (RS256,
// WebCrypto) exchanged at its token_uri (RFC 7523 JWT bearer grant, as Google documents for
// server-to-server calls). A token is kept for the adapter's life until shortly before it expires,
// and one exchange at a time is in flight. Neither the key nor a token is ever put in an error.

import * as z from 'zod';
import { toBase64Url } from '../base64';
import { failureForStatus, UpstreamError, type UpstreamFailure } from './types';
import { fetchUpstream, readErrorText } from './upstream-error';

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token';
/** The assertion's lifetime: Google accepts at most an hour. */
const ASSERTION_SECONDS = 3600;
/** A token is renewed this long before it expires, so a request under way does not outlive it. */
const RENEW_MARGIN_MS = 5 * 60_000;
/** A token endpoint that hangs must not hold every request waiting on it. */
const EXCHANGE_TIMEOUT_MS = 10_000;

/** The fields of a service-account key file (the JSON the Cloud console downloads) that are used. */
const keySchema = z.looseObject({
  client_email: z.string().min(1),
  private_key: z.string().min(1),
  private_key_id: z.string().optional(),
  // HTTPS only: the signed assertion goes there, and the access token (which spends the project's
  // money) comes back from there; over plain HTTP both could be read on the way.
  token_uri: z.url({ protocol: /^https$/ }).optional(),
});
type ServiceAccountKey = z.infer<typeof keySchema>;

const tokenSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.number().positive().optional(),
});

export interface AccessTokens {
  /** A valid access token; waits for an exchange under way rather than starting a second one. */
  token(signal: AbortSignal): Promise<string>;
}

interface Held {
  value: string;
  renewAt: number;
}

/**
 * Tokens for the service account whose key file is `keyJson` (the resolved secret). A key that is
 * not such a file is a config error when a token is first needed (the config may name a secret
 * set later).
 */
export function serviceAccountTokens(
  provider: string,
  keyJson: string,
  doFetch: typeof fetch,
  now: () => number = Date.now,
): AccessTokens {
  let held: Held | undefined;
  let pending: Promise<Held> | undefined;
  let signer: Promise<{ key: ServiceAccountKey; cryptoKey: CryptoKey }> | undefined;

  const exchange = async (): Promise<Held> => {
    signer ??= importServiceAccount(provider, keyJson);
    const { key, cryptoKey } = await signer.catch((error: unknown) => {
      signer = undefined;
      throw error;
    });
    const tokenUri = key.token_uri ?? DEFAULT_TOKEN_URI;
    const issuedAt = Math.floor(now() / 1000);
    const assertion = await signJwt(cryptoKey, key, {
      iss: key.client_email,
      scope: CLOUD_PLATFORM_SCOPE,
      aud: tokenUri,
      iat: issuedAt,
      exp: issuedAt + ASSERTION_SECONDS,
    });
    const response = await fetchUpstream(doFetch, provider, tokenUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }).toString(),
      signal: AbortSignal.timeout(EXCHANGE_TIMEOUT_MS),
    }).catch((error: unknown) => {
      const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
      throw new UpstreamError(
        timedOut ? 'timeout' : 'network',
        0,
        `${provider}: the Google token endpoint ${timedOut ? 'did not answer in time' : 'could not be reached'}.`,
      );
    });
    if (!response.ok) throw await tokenFailure(provider, response);
    const parsed = tokenSchema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) {
      throw new UpstreamError(
        'server',
        response.status,
        `${provider}: the Google token endpoint answered without a token.`,
      );
    }
    const lifetimeMs = (parsed.data.expires_in ?? ASSERTION_SECONDS) * 1000;
    // Renewed early, but never so early that a short-lived token is fetched again for each request.
    const renewAt = now() + Math.max(lifetimeMs - RENEW_MARGIN_MS, lifetimeMs / 2);
    held = { value: parsed.data.access_token, renewAt };
    return held;
  };

  const start = (): Promise<Held> => {
    const exchanged: Promise<Held> = exchange().finally(() => {
      if (pending === exchanged) pending = undefined;
    });
    exchanged.catch(() => {}); // its callers may all have gone (aborted): not an unhandled rejection
    pending = exchanged;
    return exchanged;
  };

  return {
    async token(signal) {
      if (held && now() < held.renewAt) return held.value;
      if (pending) {
        try {
          return (await untilAborted(pending, signal)).value;
        } catch (error) {
          // An exchange another request started may be cut off with that request: try once on
          // this one's own account. What the token endpoint itself refused stands.
          if (signal.aborted || (error instanceof UpstreamError && error.failure !== 'network')) throw error;
          if (held && now() < held.renewAt) return held.value;
        }
      }
      return (await untilAborted(pending ?? start(), signal)).value;
    },
  };
}

/** A fixed token (`accessToken`), e.g. one a proxy in front of Vertex AI accepts. */
export function staticToken(value: string): AccessTokens {
  return { token: async () => value };
}

/** `promise`, or the abort of `signal` if it comes first (the promise itself runs on). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

async function importServiceAccount(
  provider: string,
  keyJson: string,
): Promise<{ key: ServiceAccountKey; cryptoKey: CryptoKey }> {
  const invalid = (what: string) =>
    new UpstreamError('config', 0, `Provider '${provider}': serviceAccount ${what}.`);
  let json: unknown;
  try {
    json = JSON.parse(keyJson);
  } catch {
    throw invalid('is not JSON: give the service account key file as it was downloaded');
  }
  const parsed = keySchema.safeParse(json);
  if (!parsed.success) {
    const badUri = parsed.error.issues.some((issue) => issue.path[0] === 'token_uri');
    throw invalid(
      badUri
        ? 'has a token_uri that is not an https URL'
        : 'has no client_email and private_key: is it a service account key file?',
    );
  }
  try {
    const cryptoKey = await crypto.subtle.importKey(
      'pkcs8',
      pemBytes(parsed.data.private_key),
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    return { key: parsed.data, cryptoKey };
  } catch {
    throw invalid('has a private_key that is not a PKCS #8 RSA key');
  }
}

/** The DER bytes of a PEM key; `\n` left escaped (a key pasted through a shell) reads as a newline. */
function pemBytes(pem: string): Uint8Array<ArrayBuffer> {
  const body = pem
    .replace(/\\n/g, '\n')
    .replace(/-----(?:BEGIN|END) [A-Z ]+-----/g, '')
    .replace(/\s+/g, '');
  return Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
}

async function signJwt(
  cryptoKey: CryptoKey,
  key: ServiceAccountKey,
  claims: Record<string, unknown>,
): Promise<string> {
  const header = { alg: 'RS256', typ: 'JWT', ...(key.private_key_id ? { kid: key.private_key_id } : {}) };
  const input = `${toBase64Url(JSON.stringify(header))}.${toBase64Url(JSON.stringify(claims))}`;
  const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', cryptoKey, new TextEncoder().encode(input));
  return `${input}.${toBase64Url(new Uint8Array(signature))}`;
}

/**
 * The token endpoint's refusal: a 4xx (invalid_grant: a deleted or disabled key, a clock far off)
 * is the gateway's credential, so the target fails over without retrying; its OAuth error code is
 * kept, its description is not passed on.
 */
async function tokenFailure(provider: string, response: Response): Promise<UpstreamError> {
  const text = await readErrorText(response);
  let code: string | undefined;
  try {
    const error = (JSON.parse(text) as { error?: unknown }).error;
    if (typeof error === 'string' && /^[a-z_]{1,64}$/.test(error)) code = error;
  } catch {
    // not JSON
  }
  const byStatus = failureForStatus(response.status);
  const failure: UpstreamFailure = byStatus === 'caller' ? 'auth' : byStatus;
  return new UpstreamError(
    failure,
    response.status,
    `${provider} could not get a Google access token: the token endpoint answered HTTP ${response.status}${code ? ` (${code})` : ''}.`,
    { code: code ?? null },
  );
}
