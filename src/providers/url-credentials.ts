// Credentials inside a provider's baseUrl (`https://user:pass@proxy.example/v1`). fetch drops a
// URL's userinfo, so they are sent as HTTP Basic auth (RFC 7617) and taken out of the URL fetched.
// A provider has one Authorization header: a config in which two things would need it is refused.
/** The user and password of a URL as sent: percent-decoded, UTF-8. */
interface Userinfo {
  user: string;
  password: string;
}

function parsed(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** Whether `url` carries a user or password (`http://:@host` carries neither). */
function hasUserinfo(url: URL): boolean {
  return url.username !== '' || url.password !== '';
}

/** The decoded userinfo, or why Basic auth cannot carry it (RFC 7617 §2). */
function decodeUserinfo(url: URL): Userinfo | string {
  let user: string;
  let password: string;
  try {
    user = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
  } catch {
    return 'the user:password in baseUrl is not valid percent-encoded UTF-8';
  }
  if (user.includes(':')) return "the user in baseUrl contains ':', which Basic auth cannot carry";
  // RFC 7617 refers to RFC 5198, which has no control characters (C0, DEL or C1).
  if (/\p{Cc}/u.test(user + password)) {
    return 'the user:password in baseUrl contains control characters, which Basic auth cannot carry';
  }
  return { user, password };
}

function basic({ user, password }: Userinfo): string {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

/** The name of an Authorization header among `headers`, in any letter case. */
function authorizationHeader(headers: Record<string, string> | undefined): string | undefined {
  return Object.keys(headers ?? {}).find((name) => name.toLowerCase() === 'authorization');
}

/**
 * `baseUrl` without its user:password, and the `Authorization` value that carries them — unless
 * `headers` set one of their own, which wins (a config written now cannot have both:
 * authorizationIssue). A URL without credentials comes back unchanged, character for character;
 * credentials Basic auth cannot carry (refused when written) are dropped, as fetch drops them.
 */
export function withoutUserinfo(
  baseUrl: string,
  headers?: Record<string, string>,
): { url: string; authorization?: string } {
  const url = parsed(baseUrl);
  if (!url || !hasUserinfo(url)) return { url: baseUrl };
  const userinfo = decodeUserinfo(url);
  url.username = '';
  url.password = '';
  if (typeof userinfo === 'string' || authorizationHeader(headers) !== undefined) return { url: url.href };
  return { url: url.href, authorization: basic(userinfo) };
}

interface AuthorizationFields {
  type: string;
  baseUrl?: string | undefined;
  headers?: Record<string, string> | undefined;
  apiKey?: unknown;
}

/** What of a provider's own credential goes in the Authorization header, if any. */
function ownAuthorization(provider: AuthorizationFields): string | undefined {
  switch (provider.type) {
    case 'openai':
      return provider.apiKey ? 'apiKey (sent as a Bearer token)' : undefined;
    case 'cohere':
      return 'apiKey (sent as a Bearer token)';
    case 'bedrock':
      return 'the SigV4 signature of accessKeyId and secretAccessKey';
    case 'vertex':
      return 'the Google access token (sent as a Bearer token)';
    default: // azure-openai, anthropic, gemini: their keys have headers of their own
      return undefined;
  }
}

/**
 * Checked when a config is written (PUT /admin/config): a baseUrl whose user:password Basic auth
 * cannot carry, or a provider in which two of its own credential, the baseUrl's user:password and
 * `headers.Authorization` would need the one Authorization header — rather than one silently
 * winning, or both going out joined as one invalid value. Not part of the schema, so that a config
 * stored before this check still loads (withoutUserinfo and the adapters then pick one).
 */
export function authorizationIssue(
  providers: Record<string, AuthorizationFields>,
): { message: string; param: string } | undefined {
  for (const [name, provider] of Object.entries(providers)) {
    const url = provider.baseUrl === undefined ? undefined : parsed(provider.baseUrl);
    const credentialed = url !== undefined && hasUserinfo(url);
    const header = authorizationHeader(provider.headers);
    const users = [
      ownAuthorization(provider),
      credentialed ? 'the user:password in baseUrl (sent as Basic auth)' : undefined,
      header === undefined ? undefined : `headers.${header}`,
    ].filter((user) => user !== undefined);
    const param = credentialed ? `providers.${name}.baseUrl` : `providers.${name}.headers.${header}`;
    if (users.length > 1) {
      const named = `${users.slice(0, -1).join(', ')} and ${users.at(-1)}`;
      const all = users.length > 2 ? 'all' : 'both';
      return {
        message: `Invalid config: ${param}: ${named} would ${all} need the Authorization header: use one of them.`,
        param,
      };
    }
    const problem = credentialed ? decodeUserinfo(url) : undefined;
    if (typeof problem === 'string') return { message: `Invalid config: ${param}: ${problem}.`, param };
  }
  return undefined;
}
