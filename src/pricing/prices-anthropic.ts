// Anthropic's list prices (see prices.ts); Bedrock's and Vertex's Claude ids resolve to them (cost.ts).
import { long, type Price, p } from './price-schema';

export const ANTHROPIC_PRICES: Record<string, Price> = {
  // Anthropic: 5-minute cache writes at 1.25× input, 1-hour ones at 2× (the schema's default), reads
  // at 0.1× but where listed apart. The 1M-token windows from the 4.6 generation on have no
  // long-context rates, but Haiku 5.5's, whose every rate is 5× once the prompt (cache reads and
  // writes included) is over 100k tokens. Mythos is Fable without its safety classifiers, at its
  // prices. Reads: Fable 5.1 and Mythos 5.1 $0.25 (0.025×); Opus 5.5 $0.20 and Sonnet 5.5 $0.10
  // (0.05×, Sonnet's since 2026-10-07).
  // Mythos Preview (invitation only, Project Glasswing): five times Opus 4.6's rates, which Fable 5 and
  // Mythos 5's $10 / $50 were announced as "less than half" of; an unknown model's $15 / $75 was
  // below it, so a budget was no cap.
  'claude-mythos-preview': p(25, 125, 2.5, 31.25),
  'claude-fable-5-1': p(10, 50, 0.25, 12.5),
  'claude-mythos-5-1': p(10, 50, 0.25, 12.5),
  'claude-fable-5': p(10, 50, 1, 12.5),
  'claude-mythos-5': p(10, 50, 1, 12.5),
  'claude-opus-5-5': p(4, 20, 0.2, 5),
  'claude-opus-5': p(5, 25, 0.5, 6.25),
  'claude-sonnet-5-5': p(2, 10, 0.1, 2.5),
  'claude-sonnet-5': p(2, 10, 0.2, 2.5),
  'claude-haiku-5-5': { ...p(0.1, 0.5, 0.01, 0.125), longContext: long(100_000, 0.5, 2.5, 0.05, 0.625) },
  'claude-opus-4-8': p(5, 25, 0.5, 6.25),
  'claude-opus-4-7': p(5, 25, 0.5, 6.25),
  'claude-opus-4-6': p(5, 25, 0.5, 6.25),
  'claude-sonnet-4-6': p(3, 15, 0.3, 3.75),
  'claude-opus-4-5': p(5, 25, 0.5, 6.25),
  'claude-opus-4-1': p(15, 75, 1.5, 18.75),
  'claude-opus-4': p(15, 75, 1.5, 18.75),
  // Above 200k prompt tokens (the 1M-token context window): $6 / $22.50.
  'claude-sonnet-4-5': { ...p(3, 15, 0.3, 3.75), longContext: long(200_000, 6, 22.5, 0.6, 7.5) },
  'claude-sonnet-4': { ...p(3, 15, 0.3, 3.75), longContext: long(200_000, 6, 22.5, 0.6, 7.5) },
  'claude-3-7-sonnet': p(3, 15, 0.3, 3.75),
  'claude-haiku-4-5': p(1, 5, 0.1, 1.25),
  'claude-3-5-haiku': p(0.8, 4, 0.08, 1),
  'claude-3-5-sonnet': p(3, 15, 0.3, 3.75),
  'claude-3-haiku': p(0.25, 1.25, 0.03, 0.3),
};
