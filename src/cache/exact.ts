// Exact cache entries in KV: one JSON value per answer under `cache:exact:<namespace>:<hash>`.
// The value carries its own expiry, so TTLs under KV's 60-second minimum still hold.
import * as z from 'zod';
import type { ChatCompletion } from '../providers/types';

const KV_MIN_TTL_SECONDS = 60;
/** A larger answer is not cached (KV allows 25 MiB; this keeps hits fast and storage bounded). */
export const MAX_ENTRY_BYTES = 4 * 1024 * 1024;

export const cacheEntrySchema = z.object({
  v: z.literal(1),
  completion: z.looseObject({
    id: z.string(),
    object: z.literal('chat.completion'),
    created: z.number(),
    model: z.string(),
    choices: z.array(z.unknown()).min(1),
  }),
  createdAt: z.number(),
  expiresAt: z.number(),
  /** What the answer cost when it was produced: the saving of every hit. */
  costUsd: z.number().min(0),
  /** The target that produced it. */
  provider: z.string(),
  model: z.string(),
});
export interface CacheEntry extends z.infer<typeof cacheEntrySchema> {
  completion: ChatCompletion;
}

/**
 * The completion as an entry keeps it: an OpenAI-compatible upstream may leave out (or mistype) the
 * id, created, model or object of a chat.completion, which the entry's schema requires to be read
 * back; they are filled in (`model` is what the gateway asked for, `created` is now, in seconds).
 */
export function storedCompletion(completion: ChatCompletion, model: string, now: number): ChatCompletion {
  const { id, created } = completion;
  return {
    ...completion,
    id: typeof id === 'string' ? id : `chatcmpl-${crypto.randomUUID()}`,
    object: 'chat.completion',
    created: typeof created === 'number' ? created : Math.floor(now / 1000),
    model: typeof completion.model === 'string' ? completion.model : model,
  };
}

export function exactKey(namespace: string, hash: string): string {
  return `cache:exact:${namespace}:${hash}`;
}

/** The entry, if present, well-formed and not expired; a damaged value reads as a miss. */
export async function readEntry(kv: KVNamespace, key: string, now: number): Promise<CacheEntry | undefined> {
  const raw = await kv.get(key, 'json');
  if (raw === null) return undefined;
  const parsed = cacheEntrySchema.safeParse(raw);
  if (!parsed.success || parsed.data.expiresAt <= now) return undefined;
  return parsed.data as CacheEntry;
}

/** Stores the entry; returns the JSON text written, or undefined when it is too large to cache. */
export async function writeEntry(
  kv: KVNamespace,
  key: string,
  entry: CacheEntry,
  now: number,
): Promise<string | undefined> {
  const value = JSON.stringify(entry);
  if (utf8Length(value) > MAX_ENTRY_BYTES) return undefined;
  const seconds = Math.ceil((entry.expiresAt - now) / 1000);
  await kv.put(key, value, { expirationTtl: Math.max(KV_MIN_TTL_SECONDS, seconds) });
  return value;
}

/** UTF-8 bytes of `text` (up to 3 a UTF-16 unit), counted only when the length alone cannot tell. */
function utf8Length(text: string): number {
  if (text.length * 3 <= MAX_ENTRY_BYTES || text.length > MAX_ENTRY_BYTES) return text.length;
  return new TextEncoder().encode(text).byteLength;
}
