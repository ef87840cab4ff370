// Built-in PII detectors. Each regex starts only where a token starts (a lookbehind rejects a start
// inside a run) and has bounded repetitions or stops at the run's end, so a scan is linear in the
// text; candidates are then confirmed by a checksum or a structural check. Emails: email.ts.
import { IBAN_LENGTHS, ibanValid, luhnValid } from './checksums';
import { findEmails } from './email';
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

/**
 * What may part digit groups, as the inside of a character class: a space, a no-break space
 * (U+00A0), a narrow no-break space (U+202F, what French number formatting uses) or a thin space
 * (U+2009), as text pasted from documents and web pages has them.
 */
const GAP = ' \u00a0\u202f\u2009';
// +CC, optional (area) groups, digits with single separators. Each step consumes exactly one
// digit, so there is only one way to split a number: no ambiguity to backtrack over. Digits glued to
// a word by "-" are part of an identifier (ORD-2024-123456, backup-20240115-103000), not a number.
const PHONE = new RegExp(
  String.raw`(?<![\w+])(?<!\w-)\+?(?:\(\d{1,4}\)[${GAP}.-]?)?\d(?:[${GAP}.-]?(?:\(\d{1,4}\)[${GAP}.-]?)?\d){6,16}(?!\w)`,
  'g',
);
const CARD = new RegExp(String.raw`(?<![\w-])\d(?:[${GAP}-]?\d){12,18}(?![\w-])`, 'g');
const IBAN = new RegExp(String.raw`(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[${GAP}]?[A-Z0-9]){10,32}`, 'g');
const SPACES = new RegExp(`[${GAP}]`, 'g');
/** What separates the groups of a phone number and of a card number. */
const PHONE_GROUPS = new RegExp(`[${GAP}.()+-]+`);
const CARD_GROUPS = new RegExp(`[${GAP}-]`);
/** "(0)" after a country code: the trunk prefix dialled at home only (`+44 (0)20 7946 0958`). */
const TRUNK = /\(0\)/;
/** An area code in parentheses, with the separators beside it. */
const AREA = new RegExp(String.raw`[${GAP}.-]?\(\d{1,4}\)[${GAP}.-]?`, 'g');
/** How a card number with 13+ digits opens: a network's first digit, two groups of 3–6 digits. */
const CARD_OPENING = new RegExp(String.raw`^[2-6]\d{2,5}([${GAP}-])\d{3,6}\1\d`);
/** How a phone number opens: "+", or a second group of 2+ digits. */
const PHONE_OPENING = /^(?:\+|\D*\d+\D+\d\d)/;
/** A one-digit group after another group: no national phone number has one (checked first: cheap). */
const LONE_DIGIT = /\d\D+\d(?!\d)/;
/** Grouped as plausibleCard wants: groups of 3–6 digits (the last may be shorter), one separator. */
const CARD_SHAPE = new RegExp(String.raw`^(?:\d+|\d{3,6}([${GAP}-])(?:\d{3,6}\1)*\d{1,6})$`);
/** A text that is only a number, as each number of tool-call arguments is (text-slots.ts). */
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const SSN = new RegExp(String.raw`(?<![\w-])(\d{3})([${GAP}-])(\d{2})\2(\d{4})(?![\w-])`, 'g');
const IPV4 = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)/g;
const IPV6_CANDIDATE = /(?<![\w:.])(?=[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:)[0-9A-Fa-f:.]{2,45}(?![\w:])/g;

type Finder = (text: string) => Span[];

/**
 * The spans `accept` makes of the pattern's matches. The scan goes on where an accepted span ends
 * (which may be before the match's end: an IBAN's country length ends it), or where `resume` says
 * after a rejected match: by default past its first character — the pattern's lookbehind lets it
 * start again only at the next group — so a value right after a rejected or shortened one is found.
 */
function regexFinder(
  pattern: RegExp,
  accept: (match: RegExpExecArray) => Span | undefined,
  resume = (match: RegExpExecArray) => match.index + 1,
): Finder {
  return (text) => {
    const spans: Span[] = [];
    const scan = new RegExp(pattern);
    for (let match = scan.exec(text); match; match = scan.exec(text)) {
      const span = accept(match);
      if (span) spans.push(span);
      scan.lastIndex = span ? span[1] : resume(match);
    }
    return spans;
  };
}

const whole = (m: RegExpExecArray): Span => [m.index, m.index + m[0].length];

/**
 * The whole match if `plausible`, else its longest prefix ending at a group separator that is: the
 * pattern takes the longest run of digit groups, so a card number followed by its expiry or CVV
 * (`4111 1111 1111 1111 12/25`) or two phone numbers in a row are one candidate, rejected whole.
 * Prefixes are tried only when the candidate opens as one must (`opening`: the groups every prefix
 * keeps) and down to `minDigits` digits, so a run of digit groups costs a few checks per group.
 */
function orPrefix(
  separators: string,
  opening: RegExp,
  minDigits: number,
  plausible: (candidate: string) => boolean,
  plausiblePrefix: (prefix: string, cut: string) => boolean = plausible,
) {
  return (match: RegExpExecArray): Span | undefined => {
    const candidate = match[0];
    if (plausible(candidate)) return whole(match);
    if (!opening.test(candidate)) return undefined;
    let digits = candidate.replace(/\D/g, '').length;
    for (let end = candidate.length - 1; end > 0 && digits >= minDigits; end--) {
      const last = candidate.charCodeAt(end - 1);
      const digit = last >= 48 && last <= 57;
      const cut = candidate[end]!;
      if (digit && separators.includes(cut) && plausiblePrefix(candidate.slice(0, end), cut))
        return [match.index, match.index + end];
      if (digit) digits--;
    }
    return undefined;
  };
}

/** Characters read otherwise by the detectors: zero-width ones (dropped) and full-width ASCII and the ideographic space. */
const FOLDED = /[\u200b-\u200d\u2060\ufeff\uff01-\uff5e\u3000]/;
const ZERO_WIDTH = /[\u200b-\u200d\u2060\ufeff]/;

/**
 * Runs `find` on the text as a detector (or a keyword list) should read it — zero-width characters dropped (an address
 * with a U+200B in it is still an address), full-width digits, letters and signs as their ASCII
 * selves (`０９０－１２３４－５６７８` is a phone number) — and maps its spans back onto the text.
 * Text without such characters (nearly all) is scanned as it is.
 */
export function folded(find: Finder): Finder {
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
  email: folded(findEmails),
  // A number alone (a JSON number of tool-call arguments, a coordinate) is never a phone number.
  phone: folded((text) => (NUMBER.test(text) ? [] : findPhones(text))),
  // Cut short, a number must also be grouped as cards are printed: the rest is then its expiry or CVV.
  credit_card: folded(
    regexFinder(
      CARD,
      orPrefix(
        `${GAP}-`,
        CARD_OPENING,
        13,
        plausibleCard,
        (prefix) => plausibleCard(prefix) && printedCard(prefix),
      ),
    ),
  ),
  iban: folded(regexFinder(IBAN, ibanSpan)),
  ssn: folded(regexFinder(SSN, (m) => (plausibleSsn(m[1]!, m[3]!, m[4]!) ? whole(m) : undefined))),
  ip: folded((text) => [
    ...regexFinder(IPV4, ipv4Span)(text),
    ...regexFinder(IPV6_CANDIDATE, ipv6Span)(text),
  ]),
  secret: folded(findSecrets),
};

// Cut short only where the separator changes (`555-123-4567 555-987-6543`): in one run of groups
// parted alike, as a card number's are, there is no telling where a phone number would end.
const findPhones = regexFinder(
  PHONE,
  orPrefix(`${GAP}.(-`, PHONE_OPENING, 8, plausiblePhone, (prefix, cut) => {
    return !prefix.replace(AREA, '').includes(cut) && plausiblePhone(prefix);
  }),
  phoneResume,
);

/**
 * After a rejected phone candidate, likewise: on from the group before its separator changes
 * (`12 555-123-4567`), else past it.
 */
function phoneResume(match: RegExpExecArray): number {
  const candidate = match[0];
  let previous = -1;
  for (let i = 0; i < candidate.length; i++) {
    const char = candidate[i]!;
    if (!`${GAP}.-`.includes(char)) continue;
    if (previous >= 0 && char !== candidate[previous]) return match.index + previous + 1;
    previous = i;
  }
  return match.index + candidate.length;
}

/**
 * E.164 allows 15 digits, in groups of 2+. With "+" 8+ digits, and the group after the country code
 * may be a single digit (`+33 6 12 34 56 78`) or a "(0)" trunk prefix. Without, 10+ digits in
 * visible groups parted the same way throughout (an area code's parentheses aside), so
 * `555-123-4567 555` is no number; dots part 3+ groups of 2–4 digits and never a dotted quad, so
 * decimals and IPv4 addresses are not phone numbers.
 */
export function plausiblePhone(candidate: string): boolean {
  const international = candidate.startsWith('+');
  if (!international && LONE_DIGIT.test(candidate)) return false;
  const number = international ? candidate.replace(TRUNK, ' ') : candidate;
  const digits = number.replace(/\D/g, '').length;
  if (digits > 15) return false;
  const groups = number.split(PHONE_GROUPS).filter(Boolean);
  const shortest = (i: number) => (international && i === 1 ? 1 : 2);
  if (groups.some((group, i) => i > 0 && group.length < shortest(i)) || groups.length > 6) return false;
  if (international) return digits >= 8;
  if (digits < 10 || groups.length < 2) return false;
  const separators = new Set(candidate.replace(AREA, '').replace(/\d/g, ''));
  if (separators.size > 1) return false;
  if (!separators.has('.')) return true;
  const quad = groups.length === 4 && groups.every((group) => group.length <= 3);
  return groups.length >= 3 && groups.every((group) => group.length <= 4) && !quad;
}

/** 13–19 digits, a card network's first digit, Luhn-valid, and groups of 3–6 with one separator. */
export function plausibleCard(candidate: string): boolean {
  if (!/^[2-6]/.test(candidate) || !CARD_SHAPE.test(candidate)) return false;
  const digits = candidate.replace(/\D/g, '');
  return digits.length >= 13 && digits.length <= 19 && luhnValid(digits);
}

/** Grouped as cards are printed: in fours (the last group may be shorter), or Amex's 4-6-5, Diners' 4-6-4. */
function printedCard(candidate: string): boolean {
  const groups = candidate.split(CARD_GROUPS).map((group) => group.length);
  const layout = groups.join('-');
  return (
    layout === '4-6-5' ||
    layout === '4-6-4' ||
    groups.every((length, i) => length === 4 || (i === groups.length - 1 && length < 4))
  );
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
