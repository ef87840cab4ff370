// Built-in PII detectors. Each regex starts only where a token starts (a lookbehind rejects a start
// inside a run) and has bounded repetitions or stops at the run's end, so a scan is linear in the
// text; candidates are then confirmed by a checksum or a structural check.
import { IBAN_LENGTHS, ibanValid, luhnValid } from './checksums';
import { findSecrets } from './secrets';
import type { Span } from './spans';

export const DETECTOR_NAMES = ['email', 'phone', 'credit_card', 'iban', 'ssn', 'ip', 'secret'] as const;
export type DetectorName = (typeof DETECTOR_NAMES)[number];

/** The placeholder label of each detector: `[EMAIL_1]`. */
export const DETECTOR_LABELS: Readonly<Record<DetectorName, string>> = {
  email: 'EMAIL',
  phone: 'PHONE',
  credit_card: 'CREDIT_CARD',
  iban: 'IBAN',
  ssn: 'SSN',
  ip: 'IP_ADDRESS',
  secret: 'SECRET',
};

const EMAIL =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;
/**
 * What may part digit groups, as the inside of a character class: a space, a no-break space
 * (U+00A0), a narrow no-break space (U+202F, what French number formatting uses) or a thin space
 * (U+2009), as text pasted from documents and web pages has them.
 */
const GAP = ' \u00a0\u202f\u2009';
// +CC, optional (area) groups, digits with single separators. Each step consumes exactly one
// digit, so there is only one way to split a number: no ambiguity to backtrack over.
const PHONE = new RegExp(
  String.raw`(?<![\w+])\+?(?:\(\d{1,4}\)[${GAP}.-]?)?\d(?:[${GAP}.-]?(?:\(\d{1,4}\)[${GAP}.-]?)?\d){6,16}(?!\w)`,
  'g',
);
const CARD = new RegExp(String.raw`(?<![\w-])\d(?:[${GAP}-]?\d){12,18}(?![\w-])`, 'g');
const IBAN = new RegExp(String.raw`(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[${GAP}]?[A-Z0-9]){10,32}`, 'g');
const SPACES = new RegExp(`[${GAP}]`, 'g');
/** What separates the groups of a phone number and of a card number. */
const PHONE_GROUPS = new RegExp(`[${GAP}.()+-]+`);
const CARD_GROUPS = new RegExp(`[${GAP}-]`);
const SSN = new RegExp(String.raw`(?<![\w-])(\d{3})([${GAP}-])(\d{2})\2(\d{4})(?![\w-])`, 'g');
const IPV4 = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)/g;
const IPV6_CANDIDATE = /(?<![\w:.])(?=[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:)[0-9A-Fa-f:.]{2,45}(?![\w:])/g;

type Finder = (text: string) => Span[];

function regexFinder(pattern: RegExp, accept: (match: RegExpExecArray) => Span | undefined): Finder {
  return (text) => {
    const spans: Span[] = [];
    for (const match of text.matchAll(pattern)) {
      const span = accept(match);
      if (span) spans.push(span);
    }
    return spans;
  };
}

const whole = (m: RegExpExecArray): Span => [m.index, m.index + m[0].length];

/** Characters read otherwise by the detectors: zero-width ones (dropped) and full-width ASCII and the ideographic space. */
const FOLDED = /[\u200b-\u200d\u2060\ufeff\uff01-\uff5e\u3000]/;
const ZERO_WIDTH = /[\u200b-\u200d\u2060\ufeff]/;

/**
 * Runs `find` on the text as a detector should read it — zero-width characters dropped (an address
 * with a U+200B in it is still an address), full-width digits, letters and signs as their ASCII
 * selves (`０９０－１２３４－５６７８` is a phone number) — and maps its spans back onto the text.
 * Text without such characters (nearly all) is scanned as it is.
 */
function folded(find: Finder): Finder {
  return (text) => {
    if (!FOLDED.test(text)) return find(text);
    let plain = '';
    /** For each character of `plain`, where it is in `text`. */
    const at: number[] = [];
    for (let i = 0; i < text.length; i++) {
      const char = text[i]!;
      if (ZERO_WIDTH.test(char)) continue;
      const code = char.charCodeAt(0);
      plain +=
        code === 0x3000 ? ' ' : code >= 0xff01 && code <= 0xff5e ? String.fromCharCode(code - 0xfee0) : char;
      at.push(i);
    }
    return find(plain).map(([start, end]): Span => [at[start]!, at[end - 1]! + 1]);
  };
}

export const DETECTORS: Readonly<Record<DetectorName, Finder>> = {
  email: folded(regexFinder(EMAIL, whole)),
  phone: folded(regexFinder(PHONE, (m) => (plausiblePhone(m[0]) ? whole(m) : undefined))),
  credit_card: folded(regexFinder(CARD, (m) => (plausibleCard(m[0]) ? whole(m) : undefined))),
  iban: folded(regexFinder(IBAN, ibanSpan)),
  ssn: folded(regexFinder(SSN, (m) => (plausibleSsn(m[1]!, m[3]!, m[4]!) ? whole(m) : undefined))),
  ip: folded((text) => [
    ...regexFinder(IPV4, ipv4Span)(text),
    ...regexFinder(IPV6_CANDIDATE, ipv6Span)(text),
  ]),
  secret: folded(findSecrets),
};

/** E.164 allows 15 digits. With "+" 8+ digits; without, 10+ digits and visible grouping. */
export function plausiblePhone(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '').length;
  if (digits > 15) return false;
  const groups = candidate.split(PHONE_GROUPS).filter(Boolean);
  if (groups.slice(1).some((group) => group.length < 2) || groups.length > 6) return false;
  if (candidate.startsWith('+')) return digits >= 8;
  return digits >= 10 && groups.length > 1;
}

/** 13–19 digits, a card network's first digit, Luhn-valid, and groups of 3–6 with one separator. */
export function plausibleCard(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '');
  if (digits.length < 13 || digits.length > 19 || !/^[2-6]/.test(digits)) return false;
  const separators = new Set(candidate.replace(/\d/g, ''));
  if (separators.size > 1) return false;
  if (separators.size === 1) {
    const groups = candidate.split(CARD_GROUPS);
    if (groups.some((group, i) => group.length > 6 || (i < groups.length - 1 && group.length < 3)))
      return false;
  }
  return luhnValid(digits);
}

/** The country's IBAN length decides where the IBAN ends; then mod-97 must hold. */
function ibanSpan(match: RegExpExecArray): Span | undefined {
  const length = IBAN_LENGTHS[match[0].slice(0, 2)];
  if (!length) return undefined;
  let kept = 0;
  let end = 0;
  while (end < match[0].length && kept < length) {
    if (!GAP.includes(match[0][end]!)) kept++;
    end++;
  }
  if (kept < length) return undefined;
  // Running straight on into more letters or digits means this is not a standalone IBAN.
  const after = match.input.charCodeAt(match.index + end);
  if (!Number.isNaN(after) && /[A-Za-z0-9]/.test(String.fromCharCode(after))) return undefined;
  const compact = match[0].slice(0, end).replace(SPACES, '');
  return ibanValid(compact) ? [match.index, match.index + end] : undefined;
}

/** US SSNs: area 001–665 or 667–899, group 01–99, serial 0001–9999. */
export function plausibleSsn(area: string, group: string, serial: string): boolean {
  return area !== '000' && area !== '666' && area[0] !== '9' && group !== '00' && serial !== '0000';
}

function ipv4Span(match: RegExpExecArray): Span | undefined {
  return match[0].split('.').every((octet) => Number(octet) <= 255) ? whole(match) : undefined;
}

function ipv6Span(match: RegExpExecArray): Span | undefined {
  const text = match[0].replace(/\.+$/, '');
  return isIPv6(text) ? [match.index, match.index + text.length] : undefined;
}

/** RFC 4291 text forms: eight groups, or fewer with one "::"; an IPv4 tail counts as two groups. */
export function isIPv6(text: string): boolean {
  let hex = text;
  if (text.includes('.')) {
    const lastColon = text.lastIndexOf(':');
    const tail = text.slice(lastColon + 1);
    if (!/^(?:\d{1,3}\.){3}\d{1,3}$/.test(tail) || tail.split('.').some((o) => Number(o) > 255)) return false;
    hex = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = hex.split('::');
  if (halves.length > 2) return false;
  const groups = halves.flatMap((half) => (half === '' ? [] : half.split(':')));
  if (!groups.every((group) => /^[0-9A-Fa-f]{1,4}$/.test(group))) return false;
  // At least two explicit groups: "::" or "::1" alone are too easily something else.
  if (groups.length < 2) return false;
  return halves.length === 2 ? groups.length <= 7 : groups.length === 8;
}
