// Cheap reads of one relayed chunk's JSON text, made without parsing it where they can: which
// choices it finishes, an error event's code, and how much answer text it carries.

/** The fields of a chunk that hold answer text, as JSON keys. */
const ANSWER_KEYS = [
  '"content"',
  '"reasoning_content"',
  '"reasoning"',
  '"refusal"',
  '"arguments"',
  '"input"',
];

/** Adds the indexes of the choices a chunk finishes (a chunk that is not JSON finishes none); returns how many have. */
export function noteFinished(data: string, finished: Set<number>): number {
  try {
    const chunk = JSON.parse(data) as { choices?: { index?: unknown; finish_reason?: unknown }[] };
    for (const choice of chunk.choices ?? []) {
      if (typeof choice.finish_reason === 'string' && typeof choice.index === 'number')
        finished.add(choice.index);
    }
  } catch {
    // Not JSON: it finishes no choice.
  }
  return finished.size;
}

/** The `code` of an error event's JSON, when it has one. */
export function errorCodeOf(frame: string): string | undefined {
  try {
    const code = (JSON.parse(frame) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The characters of answer text in one chunk (see StreamSummary.answerChars): the string values of
 * its answer keys, as written. A plain scan, linear in the chunk: every `"` inside a JSON string is
 * escaped, so a key found outside one is a key (a regular expression over a value of millions of
 * characters can exhaust V8's backtracking stack).
 */
export function answerChars(data: string): number {
  let chars = 0;
  for (const key of ANSWER_KEYS) {
    for (let at = data.indexOf(key); at !== -1; ) {
      let i = skipSpaces(data, at + key.length);
      let next = at + key.length;
      if (data.charCodeAt(i) === COLON) {
        i = skipSpaces(data, i + 1);
        if (data.charCodeAt(i) === QUOTE) {
          const end = stringEnd(data, i + 1);
          if (end !== -1) {
            chars += end - i - 1;
            next = end + 1;
          }
        }
      }
      at = data.indexOf(key, next);
    }
  }
  return chars;
}

const QUOTE = 34;
const COLON = 58;
const BACKSLASH = 92;

function skipSpaces(text: string, from: number): number {
  let i = from;
  while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
  return i;
}

/** Where the JSON string whose text starts at `from` closes; -1 when it does not. */
function stringEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === BACKSLASH) i++;
    else if (code === QUOTE) return i;
  }
  return -1;
}
