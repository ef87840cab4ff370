// A zero-retention key's prompt cache on OpenAI's own API stays in memory. OpenAI's models that
// offer both prompt cache retentions default to one by the *organisation's* data controls: "For
// older models that support both in_memory and 24h, the default depends on your organization's
// data retention policy: Organizations without ZDR enabled default to 24h. Organizations with ZDR
// enabled default to in_memory" (API reference, `prompt_cache_retention`). The models that offer
// both, by its prompt caching guide: gpt-5.4, gpt-5.2, gpt-5.1, gpt-5.1-codex, gpt-5.1-codex-mini,
// gpt-5.1-chat-latest, gpt-5, gpt-5-codex and gpt-4.1 (and their dated snapshots). So a gateway
// whose OpenAI organisation has no ZDR would have a zero-retention key's prompt tensors kept a day
// on those models whenever the request names no retention; it is sent `in_memory` instead (what a
// client may send itself: zdr-retention.ts refuses any other value). Not for gpt-5.5 and later,
// which take only `24h` and refuse `in_memory` (README "Zero-retention keys": route such keys
// elsewhere), nor for a model that offers only `in_memory` (its default already). Azure OpenAI
// defaults to `in_memory` whatever the model, and other services define no such field.

/** The models that offer both retentions; a dated snapshot (`gpt-4.1-2025-04-14`) is its model's. */
const BOTH_RETENTIONS: ReadonlySet<string> = new Set([
  'gpt-5.4',
  'gpt-5.2',
  'gpt-5.1',
  'gpt-5.1-codex',
  'gpt-5.1-codex-mini',
  'gpt-5.1-chat-latest',
  'gpt-5',
  'gpt-5-codex',
  'gpt-4.1',
]);

const SNAPSHOT = /-\d{4}-\d{2}-\d{2}$/;

/** `body` asking for the in-memory prompt cache when it names none and `model` would default to 24h. */
export function inMemoryPromptCache<T extends object>(body: T, model: string): T {
  const asked = (body as { prompt_cache_retention?: unknown }).prompt_cache_retention;
  if (asked != null || !BOTH_RETENTIONS.has(model.replace(SNAPSHOT, ''))) return body;
  return { ...body, prompt_cache_retention: 'in_memory' };
}
