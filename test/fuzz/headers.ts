// Hostile request headers for the fuzz suites: garbage credentials, odd content types, lying
// encodings, malformed gateway headers and a few very large values.
import type { Rng } from './prng';

const ODD_CONTENT_TYPES = [
  '',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----x',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/json, application/json',
  'application/octet-stream',
  'text/event-stream',
  'application/jsonx',
  ';;;;',
  '*/*',
  'a'.repeat(4096),
];

const GATEWAY_HEADERS: [string, () => string[]][] = [
  ['x-request-id', () => ['ok-id-1', '', ' ', 'bad id with spaces', 'x'.repeat(10_000), '../../x', '%ff%fe']],
  ['x-tollgate-cache', () => ['skip', 'refresh', 'SKIP', 'none', '', 'skip, refresh', 'x'.repeat(2000)]],
  ['x-tollgate-cache-ttl', () => ['60', '-1', '0', 'NaN', '1e309', '9'.repeat(400), '1.5', '', 'abc']],
  [
    'x-tollgate-metadata',
    () => [
      '{"user":"u1"}',
      '',
      '{',
      'null',
      '[]',
      '"s"',
      '{"a":1}',
      '{"__proto__":{"x":"y"}}',
      '{"constructor":"c"}',
      JSON.stringify(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'v']))),
      JSON.stringify({ big: 'v'.repeat(100_000) }),
      `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`,
    ],
  ],
  ['accept', () => ['text/event-stream', '*/*', 'application/xml', '']],
  ['content-encoding', () => ['gzip', 'br', 'deflate', 'identity', 'x-garbage']],
  ['accept-encoding', () => ['gzip', 'br', 'identity;q=0', '*']],
  ['x-forwarded-for', () => ['127.0.0.1', '::1, 10.0.0.1', 'garbage']],
  ['range', () => ['bytes=0-10', 'bytes=-1', 'garbage']],
  ['if-none-match', () => ['*', '"x"']],
];

/** Printable ASCII: what a client can put in a header value (the runtime warns about the rest). */
function byteString(rng: Rng, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += String.fromCharCode(rng.int(0x20, 0x7e));
  return out;
}

export interface AuthChoice {
  /** The credential that works on this endpoint (a gateway key or the admin token). */
  good: string;
  /** A credential valid somewhere else (the admin token on /v1, a gateway key on /admin). */
  other: string;
}

/** Authorization / x-api-key: mostly the working credential, otherwise one of many broken ones. */
export function authHeaders(rng: Rng, auth: AuthChoice): [string, string][] {
  if (rng.chance(0.72)) {
    return rng.chance(0.9) ? [['authorization', `Bearer ${auth.good}`]] : [['x-api-key', auth.good]];
  }
  const garbage: [string, string][][] = [
    [],
    [['authorization', '']],
    [['authorization', 'Bearer']],
    [['authorization', 'Bearer ']],
    [['authorization', `bearer ${auth.good}`]],
    [['authorization', `BEARER   ${auth.good}   `]],
    [['authorization', auth.good]],
    [['authorization', `Bearer ${auth.good} extra`]],
    [['authorization', `Basic ${btoa('user:pass')}`]],
    [['authorization', `Bearer ${auth.other}`]],
    [['authorization', 'Bearer tg-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']],
    [['authorization', 'Bearer tg-short']],
    [['authorization', `Bearer ${auth.good.slice(0, -1)}`]],
    [['authorization', `Bearer ${byteString(rng, rng.int(1, 200))}`]],
    [['authorization', `Bearer ${'A'.repeat(rng.pick([1024, 65_536, 1_048_576]))}`]],
    [['x-api-key', '']],
    [['x-api-key', `  ${auth.good}  `]],
    [['x-api-key', byteString(rng, 64)]],
    [
      ['authorization', 'Bearer wrong'],
      ['x-api-key', auth.good],
    ],
    [
      ['authorization', `Bearer ${auth.good}`],
      ['authorization', `Bearer ${auth.good}`],
    ],
  ];
  return rng.pick(garbage);
}

/** Content type (usually JSON) plus 0–3 other headers, some malformed or very large. */
export function extraHeaders(rng: Rng, withBody: boolean): [string, string][] {
  const out: [string, string][] = [];
  if (withBody) {
    if (rng.chance(0.8)) out.push(['content-type', 'application/json']);
    else if (rng.chance(0.85)) out.push(['content-type', rng.pick(ODD_CONTENT_TYPES)]);
  }
  for (let i = rng.int(0, 3); i > 0; i--) {
    const [name, values] = rng.pick(GATEWAY_HEADERS);
    if (name === 'content-encoding' && !withBody) continue;
    out.push([name, rng.pick(values())]);
  }
  if (rng.chance(0.02)) out.push([`x-fuzz-${rng.int(0, 9)}`, byteString(rng, rng.pick([8192, 262_144]))]);
  return out;
}
