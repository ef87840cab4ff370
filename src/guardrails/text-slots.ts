// The places in a chat request where prompt text lives: message content (string or text parts),
// assistant tool-call arguments, and what else reaches the model (prompt-subtrees.ts: parameters the
// provider gets as its own, tool definitions, a response schema, fields beyond the known shape).
// Arguments are JSON text: each of their string values (and numbers, which may hold a card number)
// is one text, decoded, so a rule sees `Team:\nalice@…` as the newline and the address it is, never
// the escape `\n` glued to the address; a changed value is written back as a JSON string, so the
// arguments stay valid JSON whatever a redaction covered. Arguments that are not JSON are one plain
// text, as is a custom tool call's input (free text). The subtrees are JSON already: their strings
// and numbers are read, a changed one written back in place as a string.
import { GatewayError } from '../errors';
import { eachValueIn, nativeSubtrees, pathParam, type Subtree } from '../openai/native-params';
import type { ChatRequest } from '../openai/schemas';
import { promptSubtrees } from './prompt-subtrees';
import type { PromptText, Rewritten } from './prompt-text';

type Loose = Record<string, unknown>;

export interface TextSlots {
  /** Every text of the request, in a fixed order. */
  readonly texts: PromptText[];
  /** A copy of `body` (the body these slots were read from) with the texts given rewritten. */
  write(body: ChatRequest, texts: readonly Rewritten[]): ChatRequest;
}

/** One place in the body, holding one or more of the texts. */
interface Place {
  texts: PromptText[];
  /** Writes this place's rewritten texts (undefined: unchanged) into the copy. */
  write(copy: ChatRequest, texts: readonly Rewritten[]): void;
}

/** The texts of some subtrees of a request; `write` changes them in a copy of the body read. */
export interface TreeTexts {
  texts: PromptText[];
  write(copy: object, texts: readonly Rewritten[]): void;
}

type Setter = (body: ChatRequest, value: string) => void;

/** A JSON string literal or number, outside any string (strings are matched whole first). */
const JSON_TOKEN = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

export function textSlots(body: ChatRequest): TextSlots {
  const places: Place[] = [];
  body.messages.forEach((message, m) => {
    const msg = (b: ChatRequest) => b.messages[m] as unknown as Loose;
    const content = message.content;
    if (typeof content === 'string') {
      places.push(plain(content, (b, v) => (msg(b).content = v)));
    } else if (Array.isArray(content)) {
      // Text (and refusal: the provider reads it too) parts in a row are one text, read joined as
      // several providers send them (and each part on its own too, for values at its edges), so that
      // a word split across two ("fal" + "con") is caught and a value split across a seam redacted:
      // its placeholder lands in the part where it starts, the parts after lose the rest of it, and
      // each match counts once (prompt-text.ts). Any other part (an image) ends the run.
      let run: string[] = [];
      let sets: Setter[] = [];
      const flush = () => {
        if (run.length === 1) places.push(plain(run[0]!, sets[0]!));
        if (run.length > 1) places.push(joined(run, sets));
        run = [];
        sets = [];
      };
      content.forEach((part, p) => {
        const field = part.type === 'text' ? 'text' : part.type === 'refusal' ? 'refusal' : undefined;
        const text = field ? (part as Loose)[field] : undefined;
        if (!field || typeof text !== 'string') {
          flush();
          return;
        }
        run.push(text);
        sets.push((b, v) => ((msg(b).content as Loose[])[p]![field] = v));
      });
      flush();
    }
    if (message.role === 'assistant') {
      const refusal = (message as Loose).refusal;
      if (typeof refusal === 'string') places.push(plain(refusal, (b, v) => (msg(b).refusal = v)));
      message.tool_calls?.forEach((call, t) => {
        const inCall = (b: ChatRequest) => (msg(b).tool_calls as Loose[])[t]!;
        if (call.type === 'custom') {
          places.push(plain(call.custom.input, (b, v) => ((inCall(b).custom as Loose).input = v)));
          return;
        }
        const set: Setter = (b, v) => ((inCall(b).function as Loose).arguments = v);
        places.push(jsonValues(call.function.arguments, set) ?? plain(call.function.arguments, set));
      });
      // The deprecated function_call of an older answer: arguments as a tool call's.
      const legacy = (message as Loose).function_call as Loose | null | undefined;
      if (legacy && typeof legacy.arguments === 'string') {
        const set: Setter = (b, v) => ((msg(b).function_call as Loose).arguments = v);
        places.push(jsonValues(legacy.arguments, set) ?? plain(legacy.arguments, set));
      }
    }
  });
  const trees = treeTexts(body, promptSubtrees(body));
  if (trees) places.push(trees);
  const texts = places.flatMap((place) => place.texts);
  return {
    texts,
    write(source, replaced) {
      if (replaced.every((text) => text === undefined)) return source;
      const copy = structuredClone(source);
      let at = 0;
      for (const place of places) {
        place.write(copy, replaced.slice(at, at + place.texts.length));
        at += place.texts.length;
      }
      return copy;
    },
  };
}

function plain(text: string, set: Setter): Place {
  return {
    texts: [{ text }],
    write: (copy, [value]) => {
      if (value !== undefined) set(copy, value[0]!);
    },
  };
}

/** Text parts in a row, one text; a part is written back only when its text changed. */
function joined(parts: string[], sets: readonly Setter[]): Place {
  return {
    texts: [{ text: parts.join(''), parts }],
    write: (copy, [value]) => {
      value?.forEach((text, i) => {
        if (text !== parts[i]) sets[i]!(copy, text);
      });
    },
  };
}

/**
 * Values of one tool call's arguments (or of all the request's subtrees together: native
 * parameters, tool definitions, response schema, unknown fields) the prompt rules read one by one,
 * at most: each is a text every rule runs over, so a huge array of short values would make each rule
 * run a million times. Past it the request is refused (413), never scanned less well.
 */
export const MAX_VALUE_TEXTS = 20_000;

/** The string values and numbers of JSON text, each a text; undefined when it is not JSON. */
function jsonValues(raw: string, set: Setter): Place | undefined {
  const json = jsonTexts(raw);
  if (!json) return undefined;
  if (json.texts.length > MAX_VALUE_TEXTS)
    throw tooManyValues(`A tool call's arguments hold ${json.texts.length} values`, 'messages');
  return {
    texts: json.texts.map((text) => ({ text })),
    write(copy, values) {
      if (values.some((value) => value !== undefined))
        set(copy, json.rebuild(values.map((value) => value?.[0])));
    },
  };
}

/** The texts of the request's parameters outside `known` (native-params.ts); undefined when none. */
export function nativeTexts(body: object, known: ReadonlySet<string>): TreeTexts | undefined {
  return treeTexts(body, nativeSubtrees(body, known));
}

/**
 * The strings and numbers inside the subtrees, each a text; undefined when there are none. Read
 * only when prompt rules apply, as the other texts are. Written back by walking the copy again.
 */
export function treeTexts(body: object, trees: readonly Subtree[]): TreeTexts | undefined {
  const texts: PromptText[] = [];
  eachValueIn(body, trees, (_holder, _key, text, tree) => {
    if (texts.length === MAX_VALUE_TEXTS)
      throw tooManyValues(
        `The request's provider fields, tool definitions and response schema hold more than ${MAX_VALUE_TEXTS} values`,
        pathParam(tree.path),
      );
    texts.push({ text });
  });
  if (texts.length === 0) return undefined;
  return {
    texts,
    write(copy, values) {
      if (values.every((value) => value === undefined)) return;
      let at = 0;
      eachValueIn(copy, trees, (holder, key) => {
        const value = values[at++]?.[0];
        if (value !== undefined) holder[key] = value;
      });
    },
  };
}

function tooManyValues(what: string, param: string): GatewayError {
  return new GatewayError(
    413,
    'invalid_request_error',
    'request_too_large',
    `${what}, more than the ${MAX_VALUE_TEXTS} the guardrails scan one by one; send fewer.`,
    param,
  );
}

/**
 * JSON text as the texts a rule reads — its string values, decoded, and its numbers — and the
 * JSON text again with some of them replaced (each as a JSON string). Undefined when not JSON.
 */
export function jsonTexts(
  raw: string,
): { texts: string[]; rebuild(values: readonly (string | undefined)[]): string } | undefined {
  try {
    JSON.parse(raw);
  } catch {
    return undefined;
  }
  // Positions in two flat lists, not an object per token: arguments may hold a million numbers.
  const starts: number[] = [];
  const ends: number[] = [];
  const texts: string[] = [];
  const pattern = new RegExp(JSON_TOKEN.source, 'g');
  for (let match = pattern.exec(raw); match; match = pattern.exec(raw)) {
    const token = match[0];
    const string = token.charCodeAt(0) === 34; // '"'
    starts.push(match.index);
    ends.push(match.index + token.length);
    texts.push(string ? (JSON.parse(token) as string) : token);
  }
  return {
    texts,
    rebuild(values) {
      let out = '';
      let from = 0;
      values.forEach((value, i) => {
        if (value === undefined) return;
        out += raw.slice(from, starts[i]) + JSON.stringify(value);
        from = ends[i]!;
      });
      return out + raw.slice(from);
    },
  };
}
