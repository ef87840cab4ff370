// An OpenAI-wire service's answers, checked before they are relayed: a chat completion, and an
// embeddings list, which above PARSE_LIMIT is checked on its ends alone and relayed unparsed.
import type { ChatCompletion, EmbeddingsResult, RawEmbeddings } from './types';
import { UpstreamError } from './types';
import { unexpectedAnswer } from './upstream-error';

/**
 * Above this, an embeddings answer is relayed unparsed: parsed, its numbers and then their JSON
 * again would take several times its size, past a Worker's 128 MB for the largest answers.
 */
export const PARSE_LIMIT = 4 * 1024 * 1024;
/** usage comes last in OpenAI's embeddings answer: `"usage": {"prompt_tokens": 8, "total_tokens": 8}}`. */
const TAIL_USAGE = /"usage"\s*:\s*\{[^{}]*?"prompt_tokens"\s*:\s*(\d+)[^{}]*\}\s*\}\s*$/;
/** Or the answer ends with its model or `"object": "list"` (an answer whose usage came first). */
const TAIL_FIELD = /"(?:model"\s*:\s*"[^"]*"|object"\s*:\s*"list")\s*\}\s*$/;

/** An embeddings answer's text, checked: parsed, or above PARSE_LIMIT relayed as it came. */
export function embeddingsAnswer(provider: string, raw: string): RawEmbeddings | EmbeddingsResult {
  return raw.length > PARSE_LIMIT ? rawEmbeddings(provider, raw) : parseEmbeddings(provider, raw);
}

function rawEmbeddings(provider: string, raw: string): RawEmbeddings | EmbeddingsResult {
  // Checked without parsing, on the ends only: an object whose data list comes first, and whose
  // last field closes it (a body cut short, even right after a vector, ends otherwise).
  const head = raw.slice(0, 200);
  const tail = raw.slice(-500);
  if (!/^\s*\{/.test(head) || !/"data"\s*:\s*\[|"object"\s*:\s*"list"/.test(head))
    throw unexpectedAnswer(provider);
  const tokens = TAIL_USAGE.exec(tail)?.[1];
  if (tokens !== undefined) {
    return { raw, usage: { prompt_tokens: Number(tokens), total_tokens: Number(tokens) } };
  }
  if (TAIL_FIELD.test(tail)) return { raw };
  // A layout this does not know: parsed after all, so that nothing unchecked is relayed.
  return parseEmbeddings(provider, raw);
}

function parseEmbeddings(provider: string, raw: string): EmbeddingsResult {
  return parseJson<EmbeddingsResult>(provider, raw, (v) => Array.isArray(v.data));
}

/** A chat completion's text, parsed; an answer that is none fails the attempt. */
export function parseCompletion(provider: string, raw: string): ChatCompletion {
  return parseJson<ChatCompletion>(provider, raw, (v) => Array.isArray(v.choices));
}

function parseJson<T>(
  provider: string,
  raw: string,
  looksRight: (value: Record<string, unknown>) => boolean,
): T {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new UpstreamError('server', 200, `${provider} answered with invalid JSON.`);
  }
  if (typeof value !== 'object' || value === null || !looksRight(value as Record<string, unknown>)) {
    throw unexpectedAnswer(provider);
  }
  return value as T;
}
