// Secret-looking tokens: well-known credential formats by prefix, PEM (and PGP) private keys, and long
// random-looking strings (entropy). Every pattern starts only where a token starts (lookbehind)
// and stops where it ends, so each character is examined a bounded number of times.
import { shannonEntropy } from './checksums';
import { addSpan, type Span } from './spans';

// The formats of widely used providers' credentials.
const PREFIXED = new RegExp(
  `(?<![A-Za-z0-9_-])(?:${[
    'sk-ant-[A-Za-z0-9_-]{20,}', // Anthropic
    'sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}', // OpenAI (and compatible services)
    '(?:AKIA|ASIA)[A-Z0-9]{16}', // AWS access key id
    'gh[pousr]_[A-Za-z0-9]{30,}', // GitHub tokens
    'github_pat_[A-Za-z0-9_]{22,}', // GitHub fine-grained tokens
    'glpat-[A-Za-z0-9_-]{20,}', // GitLab
    'xox[abposr]-[A-Za-z0-9-]{10,}', // Slack
    'AIza[0-9A-Za-z_-]{35}', // Google API keys
    '(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,}', // Stripe
    'hf_[A-Za-z0-9]{30,}', // Hugging Face
    'npm_[A-Za-z0-9]{36}', // npm
    'tg-[A-Za-z0-9_-]{32}', // Tollgate gateway keys
    'SG\\.[A-Za-z0-9_-]{16,}\\.[A-Za-z0-9_-]{16,}', // SendGrid
    'eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}', // JSON Web Tokens
  ].join('|')})(?![A-Za-z0-9_-])`,
  'g',
);

/** Longer runs are data (base64 blobs), not credentials. */
const MAX_RANDOM_LENGTH = 1024;
const PEM_BEGIN = /-----BEGIN [A-Z ]{0,24}PRIVATE KEY(?: BLOCK)?-----/g;
const PEM_END = '-----END ';
const PEM_MAX = 16_384;

export function findSecrets(text: string): Span[] {
  const found: [number, number][] = [];
  for (const match of text.matchAll(PREFIXED)) found.push([match.index, match.index + match[0].length]);
  randomRuns(text, found);
  findPrivateKeys(text, found);
  found.sort((a, b) => a[1] - b[1]);
  const spans: [number, number][] = [];
  for (const [start, end] of found) addSpan(spans, start, end);
  return spans;
}

/**
 * Each whole run of base64/base64url characters, 24 or more long, that looks random. A loop, not a
 * regular expression: V8's backtracking engine overflows its stack on a run of millions of
 * characters (a file sent as base64 text), which made the request a 500.
 */
function randomRuns(text: string, found: [number, number][]): void {
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && isRunChar(text.charCodeAt(i))) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0 && i - start >= 24 && i - start <= MAX_RANDOM_LENGTH * 2) {
      if (looksRandom(text.slice(start, i))) found.push([start, i]);
    }
    start = -1;
  }
}

/** A-Z a-z 0-9 + / _ = - */
function isRunChar(code: number): boolean {
  return (
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    (code >= 48 && code <= 57) ||
    code === 43 ||
    code === 47 ||
    code === 95 ||
    code === 61 ||
    code === 45
  );
}

/** PEM blocks, from BEGIN to the END line; the END search only moves forward, so this is linear. */
function findPrivateKeys(text: string, found: [number, number][]): void {
  let end = -1;
  for (const match of text.matchAll(PEM_BEGIN)) {
    const from = match.index + match[0].length;
    if (end < from) end = text.indexOf(PEM_END, from);
    if (end < 0) return;
    const close = text.indexOf('-----', end + PEM_END.length);
    if (close < 0 || close - match.index > PEM_MAX) continue;
    found.push([match.index, close + 5]);
  }
}

/**
 * Random-looking: upper- and lower-case letters and digits, high entropy for its length, and not
 * mostly made of lowercase words (camelCase identifiers). A heuristic: tuned so that random
 * base64 of 24+ characters is caught and ordinary identifiers are not.
 */
export function looksRandom(token: string): boolean {
  const text = token.replace(/=+$/, '');
  if (text.length < 24 || text.length > MAX_RANDOM_LENGTH) return false;
  if (!/[a-z]/.test(text) || !/[A-Z]/.test(text) || !/\d/.test(text)) return false;
  if (shannonEntropy(text) < (text.length < 32 ? 3.7 : 4.1)) return false;
  let wordy = 0;
  for (const run of text.match(/[a-z]{3,}/g) ?? []) wordy += run.length;
  return wordy / text.length < 0.4;
}
