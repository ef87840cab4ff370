// Bundled list prices (USD per million tokens) of common models, as the providers publish them.
// Overridable per `<provider>/<model>` (or bare model) in the config's `pricing`. Dated snapshots
// (`gpt-4o-2024-08-06`, `claude-sonnet-4-20250514`) resolve to their base entry (cost.ts); another
// model named like one (`gpt-5-pro`) does not, and is priced only by an entry of its own.
import { type ListPrice, type Price, p } from './price-schema';
import { ANTHROPIC_PRICES } from './prices-anthropic';
import { GOOGLE_PRICES } from './prices-google';
import { OPENAI_PRICES } from './prices-openai';
import { OTHER_PRICES } from './prices-others';
import { WORKERS_AI_PRICES } from './prices-workers-ai';

export { type ListPrice, type Price, priceSchema } from './price-schema';

/** Every bundled price, by model name (no two tables name one model); some change on a known day. */
export const BUNDLED_PRICES: Record<string, ListPrice> = {
  ...OPENAI_PRICES,
  ...ANTHROPIC_PRICES,
  ...GOOGLE_PRICES,
  ...OTHER_PRICES,
  ...WORKERS_AI_PRICES,
};

/**
 * Charged for a model with no price anywhere, so that a budget stays a hard cap: as much as the
 * dearest common model. Set a price in the config for models you use.
 */
export const UNKNOWN_MODEL_PRICE: Price = p(15, 75);
export const FREE: Price = p(0, 0);
