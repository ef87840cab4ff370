// Which generation a Claude model id names: the thinking it takes (reasoning-effort.ts) and the
// regional price Bedrock and Vertex AI charge for it (pricing/cost.ts) both follow it.

/**
 * A Claude model's version, in tenths (37 for 3.7), from its id (`claude-3-7-sonnet-…`,
 * `claude-sonnet-4-5`, `anthropic.claude-opus-4-1-20250805-v1:0`); undefined when it names none.
 */
export function claudeVersion(model: string): number | undefined {
  if (/claude-(?:v\d|instant)/i.test(model)) return 20; // Claude 2 and Instant on Bedrock
  // Older ids put the version first (claude-3-5-haiku, claude-2.1), newer ones the family first;
  // a date (claude-sonnet-4-20250514) is no minor version.
  const found =
    /claude-(\d)(?:[-.](\d))?(?:-|$)/i.exec(model) ?? /claude-[a-z]+-(\d+)(?:[-.](\d))?(?!\d)/i.exec(model);
  return found ? Number(found[1]) * 10 + Number(found[2] ?? 0) : undefined;
}
