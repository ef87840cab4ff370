// Hostile JSON for the fuzz suites: nasty leaf values, structural mutations of a valid body, and
// byte-level damage to its text (truncation, invalid UTF-8, duplicate keys, 10,000-level nesting).
import type { Rng } from './prng';

/** JSON text emitted verbatim: numbers JSON.stringify cannot write (1e999, -0, 2^64), deep nesting. */
export class Raw {
  constructor(readonly text: string) {}
}

export type Tree = null | boolean | number | string | Raw | Tree[] | { [key: string]: Tree };

const RAW_NUMBERS = [
  '0',
  '-0',
  '-1',
  '0.5',
  '1e308',
  '-1e308',
  '1e999',
  '-1e999',
  '1e-400',
  '9007199254740993',
  '123456789012345678901234567890',
  '18446744073709551616',
  '2147483648',
  '-2147483649',
  '1.0',
  '1E+2',
  '100000000',
];

const STRINGS = [
  '',
  ' ',
  'NaN',
  'Infinity',
  '-Infinity',
  'null',
  'undefined',
  'true',
  '0',
  '-1',
  '1e999',
  '0x1F',
  ' 42 ',
  '\u0000',
  '\ud800',
  '\udfff\ud800',
  '\uffff',
  '\u202etxet',
  '😀👩‍👩‍👧‍👦',
  'e\u0301\u0301\u0301',
  '<script>alert(1)</script>',
  "' OR '1'='1' --",
  '../../etc/passwd',
  '%00%2F%2e%2e',
  `\${jndi:ldap://x}`,
  '{{7*7}}',
  '\r\n\r\nx-injected: 1',
  'tg-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'fast',
  'smart',
  'embeddings',
  'mock/mock-1',
  'mock/*',
  '*',
  'openai/gpt-4o',
  'unknown/model',
  'day',
  'total',
  '2026-01-01T00:00:00Z',
  '1970-01-01T00:00:00.000Z',
  '9999-12-31T23:59:59Z',
  'not a date',
  'user',
  'assistant',
  'tool',
  'function',
  'text',
  'image_url',
  'json_schema',
  'a b c d e f g h i j k l m n o p',
];

export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', '__defineGetter__', 'hasOwnProperty'];
const ODD_KEYS = [
  '',
  ' ',
  '\u0000',
  'a'.repeat(5000),
  '😀',
  'toString',
  'valueOf',
  '$ref',
  '0',
  'x'.repeat(64),
];

export function nastyNumber(rng: Rng): Raw | number {
  if (rng.chance(0.5)) return new Raw(rng.pick(RAW_NUMBERS));
  return rng.pick([0, -1, 1, 2, 0.1, 3.7, 1e21, -1e21, 2 ** 53, 2 ** 31, 255, 256, 65536, 1e-7]);
}

export function nastyString(rng: Rng): string {
  const roll = rng.next();
  if (roll < 0.75) return rng.pick(STRINGS);
  if (roll < 0.85) return 'word '.repeat(rng.int(1, 3000));
  if (roll < 0.95)
    return rng.pick(['a', '\u00e9', '\u4e2d', '\ud83d\ude00', '\\', '"']).repeat(rng.int(1, 20_000));
  return String.fromCharCode(...Array.from({ length: rng.int(1, 64) }, () => rng.int(0, 0xffff)));
}

export function nastyKey(rng: Rng, known: readonly string[]): string {
  const roll = rng.next();
  if (roll < 0.3) return rng.pick(PROTO_KEYS);
  if (roll < 0.6 && known.length > 0) return rng.pick(known);
  if (roll < 0.8) return rng.pick(ODD_KEYS);
  return nastyString(rng).slice(0, 200);
}

/** `depth` levels of arrays or objects, as text (a JS tree that deep would overflow our own stack). */
export function deepNesting(depth: number, kind: 'array' | 'object' | 'mixed'): Raw {
  if (kind === 'array') return new Raw(`${'['.repeat(depth)}1${']'.repeat(depth)}`);
  if (kind === 'object') return new Raw(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
  return new Raw(`${'[{"a":'.repeat(depth / 2)}1${'}]'.repeat(depth / 2)}`);
}

export function randomValue(rng: Rng, depth = 0): Tree {
  const roll = rng.next();
  if (roll < 0.1) return null;
  if (roll < 0.18) return rng.chance(0.5);
  if (roll < 0.38) return nastyNumber(rng);
  if (roll < 0.68) return nastyString(rng);
  if (depth > 3) return rng.chance(0.5) ? [] : {};
  if (roll < 0.82) return Array.from({ length: rng.int(0, 4) }, () => randomValue(rng, depth + 1));
  if (roll < 0.97) {
    const out: { [key: string]: Tree } = {};
    for (let i = rng.int(0, 4); i > 0; i--) defineKey(out, nastyKey(rng, []), randomValue(rng, depth + 1));
    return out;
  }
  return deepNesting(rng.pick([50, 500, 10_000]), rng.pick(['array', 'object', 'mixed'] as const));
}

/** Own data property even for `__proto__` (plain assignment would set the prototype instead). */
function defineKey(target: { [key: string]: Tree }, key: string, value: Tree): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export function serialize(value: Tree): string {
  if (value instanceof Raw) return value.text;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(serialize).join(',')}]`;
  return `{${Object.keys(value)
    .map((key) => `${JSON.stringify(key)}:${serialize(value[key] as Tree)}`)
    .join(',')}}`;
}

type Container = Tree[] | { [key: string]: Tree };
interface Slot {
  parent: Container;
  key: string | number;
}

function slots(value: Tree, out: Slot[] = []): Slot[] {
  if (value === null || typeof value !== 'object' || value instanceof Raw) return out;
  for (const key of Array.isArray(value) ? value.keys() : Object.keys(value)) {
    out.push({ parent: value, key });
    slots((value as Record<string | number, Tree>)[key] as Tree, out);
  }
  return out;
}

function containers(value: Tree, out: Container[] = []): Container[] {
  if (value === null || typeof value !== 'object' || value instanceof Raw) return out;
  out.push(value);
  for (const child of Object.values(value)) containers(child as Tree, out);
  return out;
}

/** One structural mutation in place; returns what it did (printed when a case fails). */
export function mutateTree(rng: Rng, root: { [key: string]: Tree }, known: readonly string[]): string {
  const all = slots(root);
  const slot = all.length > 0 ? rng.pick(all) : undefined;
  const get = (s: Slot) => (s.parent as Record<string | number, Tree>)[s.key] as Tree;
  const set = (s: Slot, v: Tree) => {
    (s.parent as Record<string | number, Tree>)[s.key] = v;
  };
  const op = rng.pick([
    'replace',
    'replace',
    'replace',
    'delete',
    'add',
    'proto',
    'wrap',
    'stringify',
    'number',
    'deep',
    'empty',
  ]);
  if (!slot || op === 'add' || op === 'proto') {
    const target = rng.pick(containers(root));
    const key = op === 'proto' ? rng.pick(PROTO_KEYS) : nastyKey(rng, known);
    const value =
      op === 'proto' ? { polluted: true, isAdmin: true, prototype: { polluted: true } } : randomValue(rng);
    if (Array.isArray(target)) target.push(value);
    else defineKey(target, key, value);
    return `${op} ${JSON.stringify(key)}`;
  }
  const where = String(slot.key);
  switch (op) {
    case 'delete':
      if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
      else delete slot.parent[slot.key as string];
      break;
    case 'wrap':
      set(slot, rng.chance(0.5) ? [get(slot)] : { value: get(slot) });
      break;
    case 'stringify':
      set(slot, serialize(get(slot)));
      break;
    case 'number':
      set(slot, nastyNumber(rng));
      break;
    case 'deep':
      set(slot, deepNesting(rng.pick([100, 1000, 10_000]), rng.pick(['array', 'object', 'mixed'] as const)));
      break;
    case 'empty':
      set(slot, rng.pick([[], {}, '', null] as Tree[]));
      break;
    default:
      set(slot, randomValue(rng));
  }
  return `${op} at ${JSON.stringify(where).slice(0, 40)}`;
}

const INVALID_UTF8 = [
  [0xff],
  [0xc0, 0x80],
  [0xed, 0xa0, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0x80],
  [0xe2, 0x82],
  [0xf4, 0x90, 0x80, 0x80],
  [0xfe, 0xfe, 0xff, 0xff],
];

const REPLACEMENT_BODIES = [
  '',
  ' ',
  '\n\t',
  'null',
  '[]',
  '"x"',
  '0',
  'true',
  '{',
  '}',
  '{}',
  '[{}]',
  '{"":""}',
  '{"a":1,}',
  "{'model':'fast'}",
  '{"model":"fast" "messages":[]}',
  'model=fast&messages=hi',
  '\u0000\u0000\u0000',
  '[['.repeat(10_000),
  '{"a":'.repeat(10_000),
];

/** Byte-level damage to an encoded body; returns the new bytes and what was done. */
export function mutateText(rng: Rng, text: string, known: readonly string[]): [Uint8Array, string] {
  const bytes = new TextEncoder().encode(text);
  const op = rng.pick(['truncate', 'utf8', 'utf8', 'replace', 'dup', 'dup', 'bom', 'trailing', 'utf16']);
  const at = rng.int(0, bytes.length);
  const concat = (...parts: ArrayLike<number>[]) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  };
  const encode = (s: string) => new TextEncoder().encode(s);
  switch (op) {
    case 'truncate':
      return [bytes.slice(0, at), `truncate at ${at}`];
    case 'utf8': {
      const bad = rng.pick(INVALID_UTF8);
      // Inside a string value when possible, where a lenient decoder would silently accept it.
      const quote = text.indexOf('"', rng.int(0, Math.max(0, text.length - 1)));
      const pos = quote >= 0 ? encode(text.slice(0, quote + 1)).length : at;
      return [concat(bytes.slice(0, pos), bad, bytes.slice(pos)), `invalid utf-8 ${bad.join(',')} at ${pos}`];
    }
    case 'replace': {
      const body = rng.pick(REPLACEMENT_BODIES);
      return [encode(body), `body ${JSON.stringify(body.slice(0, 20))}`];
    }
    case 'dup': {
      // JSON.parse keeps the last of duplicate keys: put one first (ignored) or last (wins).
      const key = nastyKey(rng, known);
      const pair = `${JSON.stringify(key)}:${serialize(randomValue(rng))}`;
      const last = text.lastIndexOf('}');
      if (rng.chance(0.5) || last < 0) return [encode(`{${pair},${text.slice(1)}`), `dup ${key} first`];
      return [encode(`${text.slice(0, last)},${pair}}`), `dup ${key} last`];
    }
    case 'bom':
      return [concat([0xef, 0xbb, 0xbf], bytes), 'utf-8 bom'];
    case 'trailing':
      return [
        concat(bytes, encode(rng.pick([' garbage', '}', ']', '\u0000', '{}', '\n\n'] as const))),
        'trailing',
      ];
    default: {
      const utf16 = new Uint8Array(text.length * 2);
      for (let i = 0; i < text.length; i++) {
        utf16[i * 2] = text.charCodeAt(i) & 0xff;
        utf16[i * 2 + 1] = text.charCodeAt(i) >> 8;
      }
      return [utf16, 'utf-16le'];
    }
  }
}
