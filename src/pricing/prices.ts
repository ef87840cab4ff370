// Bundled list prices (USD per million tokens) of common models, as the providers publish them.
// Overridable per `<provider>/<model>` (or bare model) in the config's `pricing`. Dated snapshots
// (`gpt-4o-2024-08-06`, `claude-sonnet-4-20250514`) resolve to their base entry (cost.ts); another
// model named like one (`gpt-5-pro`) does not, and is priced only by an entry of its own.
import { z } from 'zod';

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

const p = (
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
const withAudio = (price: Price, audioInputPerMTok: number, audioOutputPerMTok?: number): Price => ({
  ...price,
  audioInputPerMTok,
  ...(audioOutputPerMTok !== undefined ? { audioOutputPerMTok } : {}),
});

const long = (aboveTokens: number, ...prices: Parameters<typeof p>) => ({ aboveTokens, ...p(...prices) });

/**
 * OpenAI's pricing from GPT-5.6 on: cache writes at 1.25× the input; over 272k prompt tokens, the
 * whole request at 2× the input, read and write rates and 1.5× the output. OpenAI has one write
 * rate, whatever the cache's retention: the hour-long rate is that one, or a reservation (which
 * counts a cache-writing model's longer-lived writes, 2× input unless set) would hold 2× the input
 * for what can cost 1.25× at most.
 */
const openAIModel = (input: number, output: number, cached: number): Price => ({
  ...p(input, output, cached, 1.25 * input),
  cacheWrite1hPerMTok: 1.25 * input,
  longContext: {
    ...long(272_000, 2 * input, 1.5 * output, 2 * cached, 2.5 * input),
    cacheWrite1hPerMTok: 2.5 * input,
  },
});

export const BUNDLED_PRICES: Record<string, Price> = {
  // OpenAI
  'gpt-4o': p(2.5, 10, 1.25),
  'gpt-4o-2024-05-13': p(5, 15),
  'gpt-4o-mini': p(0.15, 0.6, 0.075),
  'gpt-4.1': p(2, 8, 0.5),
  'gpt-4.1-mini': p(0.4, 1.6, 0.1),
  'gpt-4.1-nano': p(0.1, 0.4, 0.025),
  'gpt-5': p(1.25, 10, 0.125),
  'gpt-5-mini': p(0.25, 2, 0.025),
  'gpt-5-nano': p(0.05, 0.4, 0.005),
  'gpt-5-pro': p(15, 120),
  // The Codex models cost what their base model does.
  'gpt-5-codex': p(1.25, 10, 0.125),
  'gpt-5.1': p(1.25, 10, 0.125),
  'gpt-5.1-codex': p(1.25, 10, 0.125),
  'gpt-5.1-codex-max': p(1.25, 10, 0.125),
  'gpt-5.2': p(1.75, 14, 0.175),
  'gpt-5.2-codex': p(1.75, 14, 0.175),
  'gpt-5.3-codex': p(1.75, 14, 0.175),
  // Served through the Responses API (providers/openai-responses.ts): without entries they were
  // charged as unknown models, several times their list price.
  'codex-mini-latest': p(1.5, 6, 0.375),
  'o3-deep-research': p(10, 40),
  'o4-mini-deep-research': p(2, 8),
  'computer-use-preview': p(3, 12),
  // The pro tiers cost more than an unknown model: without their own entries they were reserved
  // and charged below their list price. GPT-5.4 and its pro, over 272k prompt tokens: 2× input and
  // 1.5× output for the whole request.
  'gpt-5.2-pro': p(21, 168),
  'gpt-5.4': { ...p(2.5, 15, 0.25), longContext: long(272_000, 5, 22.5, 0.5) },
  'gpt-5.4-pro': { ...p(30, 180), longContext: long(272_000, 60, 270) },
  // GPT-5.5 and later. From GPT-5.6, OpenAI bills cache writes (the usage's cache_write_tokens) at
  // 1.25× the input, and reads at a tenth of it or less; over 272k prompt tokens the whole request
  // pays 2× input (reads and writes too) and 1.5× output (openAIModel). The bare `gpt-5.6` is an
  // alias of Sol. GPT-5.6 Sol is back at $5 / $30 since its promotion ($4 / $20) ended on
  // 2026-11-30. Not known here (they take their own `pricing` entries, or are charged as unknown
  // models): GPT-5.5's rates past 272k; GPT-6.2 Astra's cached input, cache writes and rates past 272k.
  'gpt-5.5': p(5, 30, 0.5),
  'gpt-5.5-pro': p(30, 180),
  'gpt-5.6': openAIModel(5, 30, 0.5),
  'gpt-5.6-sol': openAIModel(5, 30, 0.5),
  'gpt-5.6-terra': openAIModel(2, 12, 0.2),
  'gpt-5.6-luna': openAIModel(0.2, 1.2, 0.02),
  'gpt-6-astra': openAIModel(10, 50, 1),
  'gpt-6-sol': openAIModel(2, 10, 0.2),
  'gpt-6-luna': openAIModel(0.1, 0.5, 0.01),
  'gpt-6.1-sol': openAIModel(2, 10, 0.1),
  'gpt-6.1-terra': openAIModel(1, 5, 0.05),
  'gpt-6.2-astra': p(8, 40),
  'gpt-6.2-sol': openAIModel(2, 10, 0.1),
  o1: p(15, 60, 7.5),
  'o1-pro': p(150, 600),
  'o3-pro': p(20, 80),
  o3: p(2, 8, 0.5),
  'o3-mini': p(1.1, 4.4, 0.55),
  'o4-mini': p(1.1, 4.4, 0.275),
  // Audio in and out through Chat Completions: text at the first rates, audio at the second. The
  // first audio snapshot charged $100 / $200 for audio; later ones and the bare name, $40 / $80.
  'gpt-4o-audio-preview': withAudio(p(2.5, 10), 40, 80),
  'gpt-4o-audio-preview-2024-10-01': withAudio(p(2.5, 10), 100, 200),
  'gpt-4o-mini-audio-preview': withAudio(p(0.15, 0.6), 10, 20),
  'gpt-audio': withAudio(p(2.5, 10), 32, 64),
  'gpt-audio-mini': withAudio(p(0.6, 2.4), 10, 20),
  'text-embedding-3-small': p(0.02, 0),
  'text-embedding-3-large': p(0.13, 0),
  // Anthropic: 5-minute cache writes at 1.25× input, 1-hour ones at 2× (the schema's default), reads
  // at 0.1× but where listed apart. The 1M-token windows from the 4.6 generation on have no
  // long-context rates, but Haiku 5.5's, whose every rate is 5× once the prompt (cache reads and
  // writes included) is over 100k tokens. Mythos is Fable without its safety classifiers, at its
  // prices. Reads: Fable 5.1 and Mythos 5.1 $0.25 (0.025×); Opus 5.5 $0.20 and Sonnet 5.5 $0.10
  // (0.05×, Sonnet's since 2026-10-07).
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
  // Google
  // Audio in at its own rate where Google prices it apart from text, image and video.
  // Gemini 4 (no Pro, Flash or Lite names): Argon and Carbon at $4 / $20 since their launch prices
  // ($2 / $10) ended on 2026-11-30. Gemini 3.8 Flash is $0.75 / $3.75 until 2026-12-31 and
  // $1.50 / $7.50 from 2027-01-01: charged the later rates, so a budget stays a cap.
  'gemini-4-argon': p(4, 20, 0.2),
  'gemini-4-carbon': p(4, 20, 0.2),
  'gemini-4-neon': p(3, 15),
  'gemini-4-hydrogen': p(1.5, 7.5),
  'gemini-3.8-flash': p(1.5, 7.5),
  'gemini-3.5-flash': p(1.5, 9),
  'gemini-3.5-flash-lite': p(0.3, 2.5),
  'gemini-3.1-pro': { ...p(2, 12), longContext: long(200_000, 4, 18) },
  'gemini-3-pro': { ...p(2, 12, 0.2), longContext: long(200_000, 4, 18, 0.4) },
  'gemini-3-flash': withAudio(p(0.5, 3, 0.05), 1),
  // Gemini 3 Pro Image: its output is mostly images, $120 per 1M tokens (text and thinking $12):
  // charged at the image rate, so a budget stays a cap (an unknown model's $75 was below it).
  'gemini-3-pro-image': p(2, 120),
  'gemini-2.5-pro': { ...p(1.25, 10, 0.31), longContext: long(200_000, 2.5, 15, 0.625) },
  'gemini-2.5-flash': withAudio(p(0.3, 2.5, 0.075), 1),
  'gemini-2.5-flash-lite': withAudio(p(0.1, 0.4, 0.025), 0.3),
  'gemini-2.0-flash': withAudio(p(0.1, 0.4, 0.025), 0.7),
  // Groq, Mistral, DeepSeek, xAI
  'llama-3.1-8b-instant': p(0.05, 0.08),
  'llama-3.3-70b-versatile': p(0.59, 0.79),
  'mistral-large-latest': p(2, 6),
  'mistral-small-latest': p(0.1, 0.3),
  'deepseek-chat': p(0.27, 1.1, 0.07),
  'deepseek-reasoner': p(0.55, 2.19, 0.14),
  'grok-4': p(3, 15, 0.75),
  // Cohere
  'command-r-plus': p(2.5, 10),
  'command-r': p(0.15, 0.6),
  'command-a': p(2.5, 10),
  // Embedding models (input only). Without these, an embedding was charged as an unknown model,
  // hundreds of times its list price.
  'text-embedding-ada-002': p(0.1, 0),
  'gemini-embedding-001': p(0.15, 0), // the same $0.15 per 1M input tokens on Vertex AI
  'gemini-embedding-2': p(0.2, 0),
  // Vertex AI bills these per character, $0.000025 per 1,000 (online requests: $0.025 per 1M,
  // whitespace not counted), and the gateway prices tokens: at ~4 characters a token (English) that
  // is at most $0.10 per 1M tokens, so a budget stays a cap. Text of about a character a token (CJK)
  // is billed a quarter of that: a `pricing` entry can say so.
  'text-embedding-005': p(0.1, 0),
  'text-multilingual-embedding-002': p(0.1, 0),
  'mistral-embed': p(0.1, 0),
  'embed-english-v3.0': p(0.1, 0),
  'embed-multilingual-v3.0': p(0.1, 0),
  'embed-v4.0': p(0.12, 0),
  'embed-english-light-v3.0': p(0.1, 0),
  'embed-multilingual-light-v3.0': p(0.1, 0),
  // Workers AI (`@cf/baai/…`, matched by the part after the last "/")
  'bge-small-en-v1.5': p(0.02, 0),
  'bge-base-en-v1.5': p(0.067, 0),
  'bge-large-en-v1.5': p(0.204, 0),
  'bge-m3': p(0.012, 0),
};

/**
 * Charged for a model with no price anywhere, so that a budget stays a hard cap: as much as the
 * dearest common model. Set a price in the config for models you use.
 */
export const UNKNOWN_MODEL_PRICE: Price = p(15, 75);
export const FREE: Price = p(0, 0);
