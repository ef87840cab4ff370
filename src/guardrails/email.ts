// The email detector: addresses with letters of any script (RFC 6531), found from each `@` outwards
// so that a scan is linear whatever the text: the local part is read backwards from the `@` (at most
// 64 characters), the domain forwards (up to the next character no domain has, such as an `@`).
import type { Span } from './spans';

/**
 * Scripts written without spaces between words (CJK, Thai, Lao, Khmer, Myanmar), and Hangul, whose
 * particles join the word before them: beside an address written in them stand more of their
 * letters, which are taken with it (over-redacting beats leaking); an address in another script
 * ends where their letters begin (`メールはbob@example.comまで`). Script extensions, so that `ー`
 * (U+30FC, of the Common script) counts as Katakana.
 */
const GLUED_SCRIPTS = String.raw`\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Hangul}\p{scx=Thai}\p{scx=Lao}\p{scx=Khmer}\p{scx=Myanmar}`;
/** Letters with their marks (`josé`, `jose\u0301`, `ผู้ใช้`), of the spaced scripts and of the glued ones. */
const SPACED = String.raw`[[\p{L}\p{M}]--[${GLUED_SCRIPTS}]]`;
const GLUED = String.raw`[[\p{L}\p{M}]&&[${GLUED_SCRIPTS}]]`;
const SIGN = String.raw`\d._%+\-`;

/**
 * The local part before the `@` at lastIndex: one kind of letter only, so that it ends where the other
 * kind begins. A glued one starts with a letter at most 64 characters back (its run may be a whole
 * sentence); a spaced one starts where its run does, and a run of 65 or more is no local part.
 */
const LOCAL = new RegExp(
  `(?<=(${GLUED}[${GLUED}${SIGN}]{0,63})|(?<![${SPACED}${SIGN}])([${SPACED}${SIGN}]{1,64}))@`,
  'dvy',
);
/**
 * A top-level domain of one spaced script, which ends where that script's letters do: `.com` before
 * a Hebrew or Arabic word written right after it (`bob@x.comשלום`) is still `.com`, whatever the
 * word's length. Scripts with IDN top-level domains first; any other spaced letters after them.
 */
const SCRIPT_TLDS = ['Latin', 'Cyrillic', 'Greek', 'Arabic', 'Hebrew', 'Devanagari', 'Armenian', 'Georgian']
  .map((script) => String.raw`[\p{scx=${script}}\p{M}]{2,24}(?![\p{scx=${script}}\p{M}\d\-])`)
  .join('|');
/**
 * The domain after the `@`: labels of any letters, then a top-level domain of one kind. A spaced one
 * must end there; a glued one has no end to find, and takes at most 24 letters.
 */
const DOMAIN = new RegExp(
  String.raw`(?:[\p{L}\p{M}\d\-]{1,63}\.){1,8}(?:${SCRIPT_TLDS}|${SPACED}{2,24}(?![${SPACED}\d\-])|${GLUED}{2,24})`,
  'vy',
);

/** The addresses in `text`, each once, in order. */
export function findEmails(text: string): Span[] {
  const spans: Span[] = [];
  /** Where the last address ended: a greedy glued domain may have taken the next local part. */
  let after = 0;
  for (let at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
    DOMAIN.lastIndex = at + 1;
    if (!DOMAIN.exec(text)) continue;
    const end = DOMAIN.lastIndex;
    LOCAL.lastIndex = at;
    const indices = LOCAL.exec(text)?.indices;
    const local = indices?.[1] ?? indices?.[2];
    if (!local) continue;
    spans.push([Math.max(local[0], after), end]);
    after = end;
    at = end - 1;
  }
  return spans;
}
