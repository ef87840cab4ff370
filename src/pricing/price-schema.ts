// The shape of a price (USD per million tokens) and the helpers the bundled tables (prices-*.ts)
// are written with.
import * as z from 'zod';

const rate = z.number().min(0).max(100_000);
const rates = {
  inputPerMTok: rate,
  outputPerMTok: rate,
  /** Cache reads (OpenAI cached_tokens, Anthropic cache_read_input_tokens); defaults to the input price. */
  cachedInputPerMTok: rate.optional(),
  /** Anthropic cache writes (cache_creation_input_tokens); defaults to the input price. */
  cacheWritePerMTok: rate.optional(),
  /** Anthropic 1-hour cache writes; defaults to twice the input price, as Anthropic charges. */
  cacheWrite1hPerMTok: rate.optional(),
};
/** Audio tokens (OpenAI's `audio_tokens` in the usage details), where a model prices them apart from text. */
const audioRates = {
  /** Of the prompt; defaults to the input price. */
  audioInputPerMTok: rate.optional(),
  /** Of the completion; defaults to the output price. */
  audioOutputPerMTok: rate.optional(),
};
export const priceSchema = z.strictObject({
  ...rates,
  ...audioRates,
  /**
   * Image tokens of the completion (`image_tokens` in its details), where a model prices them apart
   * from text (Nova 2 Omni); defaults to the output price. A request to such a model is reserved at
   * it, since any prompt may ask for an image (worstCaseCost).
   */
  imageOutputPerMTok: rate.optional(),
  /**
   * USD per image made through /v1/images/generations, for image models that report no usage
   * (DALL·E): charged per image returned, on top of any tokens a usage report counts.
   */
  perImageUsd: z.number().min(0).max(1_000).optional(),
  /**
   * Rates for the whole request once its prompt is over `aboveTokens` (Gemini 2.5 Pro's and
   * Claude's long-context prices above 200k): each rate not given is the base one.
   */
  longContext: z
    .strictObject({
      aboveTokens: z.number().int().min(1),
      inputPerMTok: rate.optional(),
      outputPerMTok: rate.optional(),
      cachedInputPerMTok: rate.optional(),
      cacheWritePerMTok: rate.optional(),
      cacheWrite1hPerMTok: rate.optional(),
    })
    .optional(),
});
export type Price = z.infer<typeof priceSchema>;

/**
 * A bundled list price that a provider has announced will change on a given day: `before` until
 * 00:00 UTC of that day, `after` from then on. A deployed gateway charges each in its time without
 * a release (a launch price ending, a preview's rates rising).
 */
export interface PriceChange {
  /** The change's instant, ms since the epoch. */
  readonly from: number;
  readonly before: Price;
  readonly after: Price;
}
/** A bundled table's entry: one price, or one that changes on a known day. */
export type ListPrice = Price | PriceChange;

/** `before` until `day` (YYYY-MM-DD, 00:00 UTC), `after` from then on. */
export const changesOn = (day: string, before: Price, after: Price): PriceChange => ({
  from: Date.parse(`${day}T00:00:00Z`),
  before,
  after,
});

/** The rates of `price` in force at `at` (ms since the epoch). */
export const inForce = (price: ListPrice, at: number): Price =>
  'from' in price ? (at < price.from ? price.before : price.after) : price;

export const p = (
  inputPerMTok: number,
  outputPerMTok: number,
  cachedInputPerMTok?: number,
  cacheWritePerMTok?: number,
): Price => ({
  inputPerMTok,
  outputPerMTok,
  ...(cachedInputPerMTok !== undefined ? { cachedInputPerMTok } : {}),
  ...(cacheWritePerMTok !== undefined ? { cacheWritePerMTok } : {}),
});

/** Text at `p`'s rates, audio in (and out, for a model that speaks) at its own. */
export const withAudio = (price: Price, audioInputPerMTok: number, audioOutputPerMTok?: number): Price => ({
  ...price,
  audioInputPerMTok,
  ...(audioOutputPerMTok !== undefined ? { audioOutputPerMTok } : {}),
});

/** Text at `p`'s rates, images out at their own. */
export const withImageOutput = (price: Price, imageOutputPerMTok: number): Price => ({
  ...price,
  imageOutputPerMTok,
});

export const long = (aboveTokens: number, ...prices: Parameters<typeof p>) => ({
  aboveTokens,
  ...p(...prices),
});

/**
 * OpenAI's pricing from GPT-5.6 on: cache writes at 1.25× the input; over 272k prompt tokens, the
 * whole request at 2× the input, read and write rates and 1.5× the output. OpenAI has one write
 * rate, whatever the cache's retention: the hour-long rate is that one, or a reservation (which
 * counts a cache-writing model's longer-lived writes, 2× input unless set) would hold 2× the input
 * for what can cost 1.25× at most.
 */
export const openAIModel = (input: number, output: number, cached: number): Price => ({
  ...p(input, output, cached, 1.25 * input),
  cacheWrite1hPerMTok: 1.25 * input,
  longContext: {
    ...long(272_000, 2 * input, 1.5 * output, 2 * cached, 2.5 * input),
    cacheWrite1hPerMTok: 2.5 * input,
  },
});

/** xAI's pricing from Grok 4.20 on: a prompt of 200k tokens or more pays twice every rate. */
export const grok = (input: number, output: number, cached: number): Price => ({
  ...p(input, output, cached),
  longContext: long(199_999, 2 * input, 2 * output, 2 * cached),
});
