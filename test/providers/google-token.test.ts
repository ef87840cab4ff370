// Service-account access tokens: the signed JWT, caching until shortly before expiry, one exchange
// in flight at a time, and what a failing token endpoint or a bad key becomes.
import { describe, expect, it } from 'vitest';
import { serviceAccountTokens, staticToken } from '../../src/providers/google-token';
import { UpstreamError } from '../../src/providers/types';
import { serviceAccount, TOKEN_URI, verifiedAssertion } from '../helpers/service-account';

const signal = new AbortController().signal;

interface Exchange {
  url: string;
  headers: Headers;
  form: string;
}

/** A token endpoint: `answer(n)` for the n-th exchange (from 1). */
function tokenEndpoint(answer: (n: number) => Response | Promise<Response>) {
  const exchanges: Exchange[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const form = new TextDecoder().decode(await request.arrayBuffer());
    exchanges.push({ url: request.url, headers: request.headers, form });
    return answer(exchanges.length);
  }) as typeof globalThis.fetch;
  return { exchanges, fetch };
}

const granted = (n: number, expiresIn = 3599) =>
  Response.json({ access_token: `ya29.token-${n}`, expires_in: expiresIn, token_type: 'Bearer' });

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

describe('service account tokens', () => {
  it('posts an RS256 JWT for the cloud-platform scope that verifies with the public key', async () => {
    const account = await serviceAccount();
    const { exchanges, fetch } = tokenEndpoint((n) => granted(n));
    const now = 1_750_000_000_000;
    const tokens = serviceAccountTokens('vertex', account.json, fetch, () => now);
    expect(await tokens.token(signal)).toBe('ya29.token-1');
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0]!.url).toBe(TOKEN_URI);
    expect(exchanges[0]!.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    const { header, claims } = await verifiedAssertion(exchanges[0]!.form, account.publicKey);
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'kid-123' });
    expect(claims).toEqual({
      iss: 'gateway@acme-prod.iam.gserviceaccount.com',
      scope: 'https://www.googleapis.com/auth/cloud-platform',
      aud: TOKEN_URI,
      iat: now / 1000,
      exp: now / 1000 + 3600,
    });
  });

  it('reads a key whose newlines were left escaped and uses its own token_uri', async () => {
    const account = await serviceAccount({ token_uri: 'https://oauth2.example.test/token' });
    const key = JSON.parse(account.json) as { private_key: string };
    const escaped = JSON.stringify({
      ...JSON.parse(account.json),
      private_key: key.private_key.replace(/\n/g, '\\n'),
    });
    const { exchanges, fetch } = tokenEndpoint((n) => granted(n));
    expect(await serviceAccountTokens('vertex', escaped, fetch).token(signal)).toBe('ya29.token-1');
    expect(exchanges[0]!.url).toBe('https://oauth2.example.test/token');
    const { claims } = await verifiedAssertion(exchanges[0]!.form, account.publicKey);
    expect(claims.aud).toBe('https://oauth2.example.test/token');
  });

  it('refuses a key whose token_uri is not https: the assertion and the token would travel in clear', async () => {
    const account = await serviceAccount({ token_uri: 'http://oauth2.example.test/token' });
    const { exchanges, fetch } = tokenEndpoint((n) => granted(n));
    const error = await serviceAccountTokens('vertex', account.json, fetch)
      .token(signal)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ failure: 'config' });
    expect((error as Error).message).toContain('token_uri');
    expect(exchanges).toHaveLength(0);
  });

  it('keeps a token until five minutes before it expires, then exchanges again', async () => {
    const account = await serviceAccount();
    const { exchanges, fetch } = tokenEndpoint((n) => granted(n, 3600));
    let now = 1_750_000_000_000;
    const tokens = serviceAccountTokens('vertex', account.json, fetch, () => now);
    expect(await tokens.token(signal)).toBe('ya29.token-1');
    now += 54 * 60_000;
    expect(await tokens.token(signal)).toBe('ya29.token-1');
    expect(exchanges).toHaveLength(1);
    now += 2 * 60_000; // 56 minutes in: within five minutes of the hour
    expect(await tokens.token(signal)).toBe('ya29.token-2');
    expect(exchanges).toHaveLength(2);
    const { claims } = await verifiedAssertion(exchanges[1]!.form, account.publicKey);
    expect(claims.iat).toBe(now / 1000);
  });

  it('runs one exchange for requests that need a token at once', async () => {
    const account = await serviceAccount();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { exchanges, fetch } = tokenEndpoint(async (n) => {
      await gate;
      return granted(n);
    });
    const tokens = serviceAccountTokens('vertex', account.json, fetch);
    const waiting = Promise.all([tokens.token(signal), tokens.token(signal), tokens.token(signal)]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    expect(await waiting).toEqual(['ya29.token-1', 'ya29.token-1', 'ya29.token-1']);
    expect(exchanges).toHaveLength(1);
  });

  it('lets a request that gives up leave, and finishes the exchange for the others', async () => {
    const account = await serviceAccount();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { exchanges, fetch } = tokenEndpoint(async (n) => {
      await gate;
      return granted(n);
    });
    const tokens = serviceAccountTokens('vertex', account.json, fetch);
    const leaving = new AbortController();
    const first = tokens.token(leaving.signal);
    const second = tokens.token(signal);
    leaving.abort(new Error('client left'));
    await expect(first).rejects.toThrow('client left');
    release();
    expect(await second).toBe('ya29.token-1');
    expect(await tokens.token(signal)).toBe('ya29.token-1');
    expect(exchanges).toHaveLength(1);
  });

  it('tries again after a failed exchange rather than keeping the failure', async () => {
    const account = await serviceAccount();
    const { exchanges, fetch } = tokenEndpoint((n) =>
      n === 1 ? Response.json({ error: 'internal_failure' }, { status: 503 }) : granted(n),
    );
    const tokens = serviceAccountTokens('vertex', account.json, fetch);
    const error = await failure(tokens.token(signal));
    expect(error.failure).toBe('overloaded');
    expect(await tokens.token(signal)).toBe('ya29.token-2');
    expect(exchanges).toHaveLength(2);
  });

  it('makes a refused exchange an auth failure with the OAuth code, never the key or the description', async () => {
    const account = await serviceAccount();
    const { fetch } = tokenEndpoint(() =>
      Response.json({ error: 'invalid_grant', error_description: 'Invalid JWT Signature.' }, { status: 400 }),
    );
    const error = await failure(serviceAccountTokens('vertex', account.json, fetch).token(signal));
    expect(error.failure).toBe('auth');
    expect(error.retryable).toBe(false);
    expect(error.status).toBe(400);
    expect(error.options.code).toBe('invalid_grant');
    expect(error.message).toBe(
      'vertex could not get a Google access token: the token endpoint answered HTTP 400 (invalid_grant).',
    );
    expect(error.message).not.toContain('PRIVATE KEY');
  });

  it('makes an unreachable token endpoint a network failure', async () => {
    const account = await serviceAccount();
    const fetch = (async () => {
      throw new TypeError('connection refused');
    }) as unknown as typeof globalThis.fetch;
    const error = await failure(serviceAccountTokens('vertex', account.json, fetch).token(signal));
    expect(error.failure).toBe('network');
    expect(error.message).toBe('vertex: the Google token endpoint could not be reached.');
  });

  it('makes an answer without a token the provider failure', async () => {
    const account = await serviceAccount();
    const { fetch } = tokenEndpoint(() => Response.json({ token_type: 'Bearer' }));
    const error = await failure(serviceAccountTokens('vertex', account.json, fetch).token(signal));
    expect(error.failure).toBe('server');
  });

  it.each([
    ['not JSON', 'gateway@acme.iam.gserviceaccount.com', 'is not JSON'],
    ['JSON without a key', JSON.stringify({ client_email: 'a@b.c' }), 'has no client_email and private_key'],
    [
      'a key that is not PKCS #8 RSA',
      JSON.stringify({
        client_email: 'a@b.c',
        private_key: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----',
      }),
      'not a PKCS #8 RSA key',
    ],
  ])('refuses a serviceAccount that is %s as a config error, without calling out', async (_, json, words) => {
    const { exchanges, fetch } = tokenEndpoint((n) => granted(n));
    const error = await failure(serviceAccountTokens('vertex', json, fetch).token(signal));
    expect(error.failure).toBe('config');
    expect(error.message).toContain(words);
    expect(exchanges).toHaveLength(0);
  });

  it('gives a static access token as it is', async () => {
    expect(await staticToken('ya29.static').token(signal)).toBe('ya29.static');
  });
});
