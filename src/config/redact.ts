// Secrets in the config: literal credentials are replaced by a marker on every read, and the
// marker written back by a client (GET → edit → PUT) keeps the stored value.
import { isEnvRef, REDACTED } from '../providers/secret';
import { ownEntry } from './own-entry';
import type { GatewayConfig } from './schema';

/** Provider fields that hold credentials, whatever the provider type. */
export const SECRET_FIELDS: ReadonlySet<string> = new Set([
  'apiKey',
  'accessKeyId',
  'secretAccessKey',
  'sessionToken',
  'serviceAccountKey',
  'serviceAccount',
  'accessToken',
  'token',
]);
/**
 * Extra headers known to carry no credential; every other value is shown redacted (a header
 * named `x-credential` or `x-api-pass` holds a secret as surely as `authorization`).
 */
const PLAIN_HEADERS = new Set([
  'anthropic-beta',
  'anthropic-version',
  'openai-organization',
  'openai-project',
  'openai-beta',
  'http-referer',
  'referer',
  'x-title',
  'user-agent',
  'accept',
  'content-type',
]);
const plainHeader = (name: string) => PLAIN_HEADERS.has(name.toLowerCase());

type ProviderRecord = Record<string, unknown>;

/** Query parameters whose names say they carry a credential (`?key=`, `?api_key=`, `?sig=`…). */
const CREDENTIAL_PARAM = /key|token|secret|sig|pass|auth|credential|code/i;
/** The redaction marker as it reads inside a URL. */
const URL_MARKER = encodeURIComponent(REDACTED);

/**
 * A `baseUrl` with the credentials it may embed (`user:pass@`, a credential query parameter)
 * replaced by the marker; any other URL unchanged, character for character.
 */
export function redactUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return value;
  }
  let changed = false;
  if (url.username || url.password) {
    url.username = url.username && REDACTED;
    url.password = url.password && REDACTED;
    changed = true;
  }
  for (const name of new Set(url.searchParams.keys())) {
    if (!CREDENTIAL_PARAM.test(name)) continue;
    url.searchParams.set(name, REDACTED);
    changed = true;
  }
  return changed ? url.toString() : value;
}

function redactProvider(provider: ProviderRecord): ProviderRecord {
  const out: ProviderRecord = { ...provider };
  if (typeof provider.baseUrl === 'string') out.baseUrl = redactUrl(provider.baseUrl);
  for (const [field, value] of Object.entries(provider)) {
    if (SECRET_FIELDS.has(field) && typeof value === 'string' && !isEnvRef(value)) out[field] = REDACTED;
  }
  if (provider.headers && typeof provider.headers === 'object') {
    out.headers = Object.fromEntries(
      Object.entries(provider.headers as Record<string, string>).map(([name, value]) => [
        name,
        plainHeader(name) || isEnvRef(value) ? value : REDACTED,
      ]),
    );
  }
  return out;
}

export function redactConfig(config: GatewayConfig): GatewayConfig {
  const providers = Object.fromEntries(
    Object.entries(config.providers).map(([name, p]) => [
      name,
      redactProvider(p as unknown as ProviderRecord),
    ]),
  );
  const { alerts } = config;
  const redacted = { ...config, providers } as GatewayConfig;
  if (alerts) {
    const secret = isEnvRef(alerts.secret) ? alerts.secret : REDACTED;
    redacted.alerts = { ...alerts, webhookUrl: redactUrl(alerts.webhookUrl), secret };
  }
  return redacted;
}

/** Where a provider's requests (and so its secrets) go: a secret is put back only if none changed. */
const DESTINATION = ['type', 'baseUrl', 'preset', 'resourceName', 'region'] as const;

/**
 * Puts stored secrets back where an incoming config carries the redaction marker. Returns the
 * paths of markers with nothing to restore: a new provider cannot be given "[redacted]", nor one
 * whose destination changed — else a config writer who may not read a secret could send it to a
 * server of their own.
 */
export function restoreSecrets(incoming: unknown, previous: unknown): string[] {
  const missing: string[] = [];
  for (const { name, provider, stored, sameDestination } of providerPairs(incoming, previous)) {
    // First: a restored baseUrl is the same destination.
    restoreUrl(provider, 'baseUrl', stored, `providers.${name}.baseUrl`, missing);
    const before = sameDestination() ? stored : undefined;
    for (const [field, value] of Object.entries(provider)) {
      if (value !== REDACTED) continue;
      const old = before?.[field];
      if (typeof old === 'string' && old !== REDACTED) provider[field] = old;
      else missing.push(`providers.${name}.${field}`);
    }
    const headers = provider.headers as Record<string, string> | undefined;
    const oldHeaders = before?.headers as Record<string, string> | undefined;
    if (headers && typeof headers === 'object') {
      for (const [header, value] of Object.entries(headers)) {
        if (value !== REDACTED) continue;
        const old = oldHeaders && typeof oldHeaders === 'object' ? oldHeaders[header] : undefined;
        if (typeof old === 'string' && old !== REDACTED) headers[header] = old;
        else missing.push(`providers.${name}.headers.${header}`);
      }
    }
  }
  restoreAlertsSecret(incoming, previous, missing);
  return missing;
}

/**
 * The alerts webhook's URL credentials and secret read back redacted: the stored ones, the secret
 * only if it still signs for the same URL.
 */
function restoreAlertsSecret(incoming: unknown, previous: unknown, missing: string[]): void {
  const alerts = alertsOf(incoming);
  const stored = alertsOf(previous);
  if (!alerts) return;
  // First, as a provider's baseUrl: the URL's redacted credentials back, so the same webhook.
  restoreUrl(alerts, 'webhookUrl', stored, 'alerts.webhookUrl', missing);
  if (alerts.secret !== REDACTED) return;
  if (
    typeof stored?.secret === 'string' &&
    stored.secret !== REDACTED &&
    stored.webhookUrl === alerts.webhookUrl
  )
    alerts.secret = stored.secret;
  else missing.push('alerts.secret');
}

function alertsOf(config: unknown): Record<string, unknown> | undefined {
  if (!config || typeof config !== 'object') return undefined;
  const alerts = ownEntry(config as Record<string, unknown>, 'alerts');
  return alerts && typeof alerts === 'object' ? (alerts as Record<string, unknown>) : undefined;
}

/**
 * A URL (a provider's `baseUrl`, the alerts `webhookUrl`) read back with its credentials redacted
 * gets the stored one again: same URL in all else, so the same destination. A marker anywhere else
 * in it has nothing to restore (`path` is told missing).
 */
function restoreUrl(
  record: Record<string, unknown>,
  field: string,
  stored: Record<string, unknown> | undefined,
  path: string,
  missing: string[],
) {
  const url = record[field];
  if (typeof url !== 'string' || !url.includes(URL_MARKER)) return;
  const old = stored?.[field];
  if (old === url) return;
  if (typeof old === 'string' && redactUrl(old) === url) record[field] = old;
  else missing.push(path);
}

/**
 * Each provider of an incoming config beside the one of that name in `previous` (the config in
 * force, or the raw JSON of a stored one this version cannot read), and whether both send their
 * requests, and so their secrets, to the same place (asked when needed: a restored baseUrl changes it).
 */
function* providerPairs(incoming: unknown, previous: unknown) {
  const providers = providersOf(incoming);
  if (!providers) return;
  const previousProviders = providersOf(previous);
  for (const [name, provider] of Object.entries(providers as Record<string, ProviderRecord>)) {
    if (!provider || typeof provider !== 'object') continue;
    const entry = ownEntry(previousProviders, name);
    const stored = entry && typeof entry === 'object' ? (entry as ProviderRecord) : undefined;
    const sameDestination = () =>
      stored !== undefined &&
      DESTINATION.every((f) => (f === 'baseUrl' ? sameUrl : Object.is)(provider[f], stored[f]));
    yield { name, provider, stored, sameDestination };
  }
}

/**
 * Whether an incoming URL is the stored one: as is, or as read back with its credentials redacted
 * (restoreSecrets puts them back), so a config written back as read sends nothing anywhere new.
 */
function sameUrl(incoming: unknown, stored: unknown): boolean {
  if (incoming === stored) return true;
  return (
    typeof incoming === 'string' &&
    incoming.includes(URL_MARKER) &&
    typeof stored === 'string' &&
    redactUrl(stored) === incoming
  );
}

function providersOf(config: unknown): Record<string, unknown> | undefined {
  if (!config || typeof config !== 'object') return undefined;
  const providers = (config as { providers?: unknown }).providers;
  return providers && typeof providers === 'object' ? (providers as Record<string, unknown>) : undefined;
}

/**
 * The Worker secrets (`env:NAME` references) an incoming config would send somewhere the config in
 * force does not: each as `providers.<name>.<field>` — a reference the provider of that name did not
 * hold in that field, or one whose destination changed. Only the root token may write such a config:
 * the references are shown in the clear, and an admin token pointing one at a server of its own
 * would read the secret there (a literal key is guarded by restoreSecrets the same way).
 */
export function secretRefsMoved(incoming: unknown, previous: unknown): string[] {
  const moved: string[] = [];
  for (const { name, provider, stored, sameDestination } of providerPairs(incoming, previous)) {
    const check = (path: string, value: unknown, old: unknown) => {
      if (typeof value === 'string' && isEnvRef(value) && !(sameDestination() && old === value))
        moved.push(`providers.${name}.${path}`);
    };
    for (const [field, value] of Object.entries(provider)) check(field, value, stored?.[field]);
    const headers = provider.headers;
    if (headers && typeof headers === 'object') {
      const oldHeaders = stored?.headers && typeof stored.headers === 'object' ? stored.headers : {};
      for (const [header, value] of Object.entries(headers as Record<string, unknown>))
        check(`headers.${header}`, value, (oldHeaders as Record<string, unknown>)[header]);
    }
  }
  // The webhook's signing key: its signatures, sent to the webhook, are of bodies anyone can read.
  const alerts = alertsOf(incoming);
  const stored = alertsOf(previous);
  if (
    typeof alerts?.secret === 'string' &&
    isEnvRef(alerts.secret) &&
    !(stored?.secret === alerts.secret && sameUrl(alerts.webhookUrl, stored.webhookUrl))
  )
    moved.push('alerts.secret');
  return moved;
}
