// Pure cost math: which price applies to a target, what a usage costs, the worst case of a request.
import { ownEntry } from '../config/own-entry';
import { claudeVersion } from '../providers/claude-version';
import type { Usage } from '../providers/types';
import { inForce, type ListPrice } from './price-schema';
import { BUNDLED_PRICES, FREE, type Price, UNKNOWN_MODEL_PRICE } from './prices';
import { bedrockPrice } from './prices-bedrock';
import { SEARCH_CONTENT_BLOCK_TOKENS, toolFeesUsd } from './tool-fees';
import { countedUsage } from './usage';

export type PriceTable = Record<string, Price>;

/**
 * What a dated snapshot adds to its model's name: `-2024-08-06`, `-20250514`, `@20240620`, `-0709`,
 * `-001`, Cohere's `-08-2024`, Anthropic's `-0` (`claude-sonnet-4-0`), `-latest`, `-preview-05-20`,
 * `-exp-03-25`. Anything else names another model (`-pro`,
 * `-mini`, `-4-5`): a prefix match would give `gpt-5-pro` the price of `gpt-5`, a twelfth of its own.
 */
const SNAPSHOT =
  /^(?:-\d{4}-\d{2}-\d{2}|-\d{8}|@\d{8}|-\d{3,4}|-\d{2}-\d{4}|-0|-latest|-(?:preview|exp)(?:-\d{2}-\d{2,4})?)$/;
/**
 * A cheaper tier of a model the table knows (`gemini-2.0-flash-lite`, `grok-4-fast-reasoning`,
 * `gpt-5-chat-latest`): charged as that model, which costs at least as much, rather than as an
 * unknown one (up to 200 times its price). A dearer tier (`-pro`) is not: it takes its own entry.
 */
const CHEAPER_TIER = /^-(?:lite|mini|nano|fast|flash|small|instant|chat)(?:-|$)/;

function byPrefix<T>(table: Record<string, T>, model: string): T | undefined {
  let best: string | undefined;
  for (const name of Object.keys(table)) {
    if (
      model.startsWith(name) &&
      (SNAPSHOT.test(model.slice(name.length)) || CHEAPER_TIER.test(model.slice(name.length))) &&
      (best === undefined || name.length > best.length)
    )
      best = name;
  }
  return best === undefined ? undefined : ownEntry(table, best);
}

/** listPriceOf's rates in force at `at`. */
export function priceOf(
  target: { provider: string; model: string },
  providerType: string,
  overrides: PriceTable,
  regional = false,
  at = Date.now(),
): Price {
  return inForce(listPriceOf(target, providerType, overrides, regional), at);
}

/**
 * Config (`provider/model`, then model) before the bundled table; the mock provider is free.
 * `regional`: a Vertex AI provider in a region rather than `global`, where Claude costs more. A
 * bundled price may change on a known day (PriceChange): worstCaseCost reserves at the dearer
 * rates when a request may be charged either.
 */
export function listPriceOf(
  target: { provider: string; model: string },
  providerType: string,
  overrides: PriceTable,
  regional = false,
): ListPrice {
  // Own entries only: a model a client names `constructor` must not price as Object.prototype's
  // (a NaN price once switched a key's budget off).
  const configured =
    ownEntry(overrides, `${target.provider}/${target.model}`) ?? ownEntry(overrides, target.model);
  if (configured) return configured;
  if (providerType === 'mock') return FREE;
  const model = target.model.includes('/')
    ? target.model.slice(target.model.lastIndexOf('/') + 1)
    : target.model;
  if (providerType === 'bedrock') {
    const claude = bedrockClaude(model);
    if (claude) {
      const price = listPrice(claude.model);
      return price && claude.regional ? scaled(price, REGIONAL_PREMIUM) : (price ?? UNKNOWN_MODEL_PRICE);
    }
    // Bedrock's own table, by provider-qualified id: its rates for an open model are not other hosts'.
    const hosted = bedrockPrice(model);
    if (hosted) return hosted;
  }
  // Vertex AI names Claude as Anthropic does, versioned with '@' (`claude-sonnet-4-5@20250929`), and
  // charges the regional premium as Bedrock does: from the 4.5 generation, outside `global`.
  if (providerType === 'vertex' && regional && model.startsWith('claude-') && fromGeneration45(model)) {
    const price = listPrice(model);
    return price ? scaled(price, REGIONAL_PREMIUM) : UNKNOWN_MODEL_PRICE;
  }
  return listPrice(model) ?? UNKNOWN_MODEL_PRICE;
}

function listPrice(model: string): ListPrice | undefined {
  return ownEntry(BUNDLED_PRICES, model) ?? byPrefix(BUNDLED_PRICES, model);
}

/**
 * A Bedrock Claude id (`anthropic.claude-sonnet-4-5-20250929-v1:0`, an inference profile's
 * `us.anthropic.…` or `global.anthropic.…`, either as the last part of an ARN) as Anthropic names
 * the model, and whether Bedrock charges its regional rate for it: from the 4.5 generation on, an
 * in-Region or geographic profile costs 10 % more than the global one, which costs Anthropic's list
 * price. Undefined for any other model (an application inference profile names none).
 */
export function bedrockClaude(id: string): { model: string; regional: boolean } | undefined {
  const match = /^(?:([a-z-]+)\.)?anthropic\.(claude-[a-z0-9.-]+?)(?:-v\d+(?::\d+)*(?::\d+k)?)?$/.exec(id);
  if (!match) return undefined;
  const [, geography, model = ''] = match;
  return { model, regional: geography !== 'global' && fromGeneration45(model) };
}

/** Claude 4.5 and later (`claude-sonnet-4-5…`, `claude-opus-4-6`, `claude-haiku-5…`). */
function fromGeneration45(model: string): boolean {
  return (claudeVersion(model) ?? 0) >= 45;
}

/** Bedrock's (and Vertex AI's) regional rates for Claude against its global ones. */
const REGIONAL_PREMIUM = 1.1;

/** Every rate of `price` (before and after a change) times `factor`. */
function scaled(price: ListPrice, factor: number): ListPrice {
  if ('from' in price)
    return {
      from: price.from,
      before: scaledRates(price.before, factor),
      after: scaledRates(price.after, factor),
    };
  return scaledRates(price, factor);
}

function scaledRates(price: Price, factor: number): Price {
  const times = <T extends object>(rates: T): T =>
    Object.fromEntries(
      Object.entries(rates).map(([name, value]) => [
        name,
        typeof value === 'number' && name !== 'aboveTokens' ? value * factor : value,
      ]),
    ) as T;
  return { ...times(price), ...(price.longContext ? { longContext: times(price.longContext) } : {}) };
}

/** The rates a request of `promptTokens` is charged: the long-context ones above their threshold. */
function ratesFor(price: Price, promptTokens: number): Price {
  const long = price.longContext;
  if (!long || promptTokens <= long.aboveTokens) return price;
  const { aboveTokens: _, ...rates } = long;
  return { ...price, ...Object.fromEntries(Object.entries(rates).filter(([, v]) => v !== undefined)) };
}

/**
 * What a service tier costs against the standard rates. Priority processing is dearer — OpenAI's
 * priority prices are 1.7 to 2 times its standard ones (its Fast mode, answered as priority, twice),
 * Gemini's 1.8 — and is charged at twice, the bound that keeps a budget a cap. OpenAI's
 * `ultrafast` (GPT-5.6 Sol and later, by access) costs 3 times the standard rates until
 * 2027-02-28, and 6 times from 2027-03-01 (`at`: when the request was served). `flex` at half,
 * where the provider bills it so (`halfPriceFlex`: OpenAI's own API); elsewhere (Groq's flex is
 * not cheaper), and any other tier (default, auto, on_demand…), at the standard rates.
 */
export function tierFactor(tier: unknown, halfPriceFlex = false, at = Date.now()): number {
  const billed = billedTier(tier, halfPriceFlex);
  if (billed === 'ultrafast') return at < ULTRAFAST_DOUBLES ? 3 : 6;
  return billed === undefined ? 1 : TIER_FACTORS[billed];
}

const TIER_FACTORS = { priority: 2, ultrafast: 3, flex: 0.5 } as const;
export type BilledTier = keyof typeof TIER_FACTORS;
const ULTRAFAST_DOUBLES = Date.parse('2027-03-01T00:00:00Z');

/** The tier a cost is charged at when it is not the standard rates (tierFactor's cases); else undefined. */
export function billedTier(tier: unknown, halfPriceFlex = false): BilledTier | undefined {
  if (tier === 'priority' || tier === 'ultrafast') return tier;
  return tier === 'flex' && halfPriceFlex ? 'flex' : undefined;
}

/** A usage's tokens split by the rate each is charged at: costOf's classes, and what a log row keeps. */
export interface PricedTokens {
  /** Prompt tokens at the input rate: neither read from nor written to a cache, nor audio. */
  input: number;
  audioInput: number;
  cached: number;
  /** Cache writes at the cache-write rate: Anthropic's 5-minute ones, and any without a duration. */
  cacheWrite5m: number;
  cacheWrite1h: number;
  /** Completion tokens at the output rate: all but audio and images. */
  output: number;
  audioOutput: number;
  imageOutput: number;
}

/**
 * `usage` as countedUsage leaves it (details within their totals). Audio in the prompt is counted
 * among the tokens not read from or written to a cache.
 */
export function pricedTokens(usage: Usage): PricedTokens {
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const written = usage.prompt_tokens_details?.cache_creation_tokens ?? 0;
  const writtenForAnHour = usage.prompt_tokens_details?.cache_creation_1h_tokens ?? 0;
  const plainInput = Math.max(0, usage.prompt_tokens - cached - written);
  const audioInput = Math.min(plainInput, usage.prompt_tokens_details?.audio_tokens ?? 0);
  const audioOutput = usage.completion_tokens_details?.audio_tokens ?? 0;
  const imageOutput = usage.completion_tokens_details?.image_tokens ?? 0;
  return {
    input: plainInput - audioInput,
    audioInput,
    cached,
    cacheWrite5m: written - writtenForAnHour,
    cacheWrite1h: writtenForAnHour,
    output: usage.completion_tokens - audioOutput - imageOutput,
    audioOutput,
    imageOutput,
  };
}

/**
 * USD for a usage report; cache reads and writes, audio in and out, and images out at their own
 * rates when the provider reports them. Audio in the prompt is counted among the tokens not read
 * from a cache.
 * `tier`: the service tier the answer says it was served on (`service_tier`), billed as
 * tierFactor says (`halfPriceFlex`: the provider's). `at`: when it was served, for the rates then
 * in force. The providers' own tools' uses (`hosted_tools`) add their fees, which no tier changes,
 * and the search content blocks among them their input tokens, at the input rate as any other.
 */
export function costOf(
  report: Usage | undefined,
  base: ListPrice,
  tier?: unknown,
  halfPriceFlex = false,
  at = Date.now(),
): number {
  const usage = countedUsage(report); // never NaN, whatever the provider wrote
  if (!usage) return 0;
  const price = ratesFor(inForce(base, at), usage.prompt_tokens);
  const tokens = pricedTokens(usage);
  const micro =
    tokens.input * price.inputPerMTok +
    tokens.audioInput * (price.audioInputPerMTok ?? price.inputPerMTok) +
    tokens.cached * (price.cachedInputPerMTok ?? price.inputPerMTok) +
    tokens.cacheWrite5m * (price.cacheWritePerMTok ?? price.inputPerMTok) +
    tokens.cacheWrite1h * (price.cacheWrite1hPerMTok ?? 2 * price.inputPerMTok) +
    tokens.output * price.outputPerMTok +
    tokens.audioOutput * (price.audioOutputPerMTok ?? price.outputPerMTok) +
    tokens.imageOutput * (price.imageOutputPerMTok ?? price.outputPerMTok) +
    (usage.hosted_tools?.search_content_block ?? 0) * SEARCH_CONTENT_BLOCK_TOKENS * price.inputPerMTok;
  return (micro * tierFactor(tier, halfPriceFlex, at)) / 1_000_000 + toolFeesUsd(usage.hosted_tools);
}

/** Whether a request may be charged audio rates: audio in its prompt, an answer asked for in audio. */
export interface AudioUse {
  input: boolean;
  output: boolean;
}
export const NO_AUDIO: AudioUse = { input: false, output: false };

/**
 * How far ahead of its reservation a request may still be charged: its reservation's longest life
 * (`limits.reservationTtlMs` is at most a day). A price change within it is reserved at the
 * dearer rates, so a request admitted just before a rise stays within its budget.
 */
const CHARGED_WITHIN_MS = 24 * 3_600_000;

/**
 * The most a request can cost on any of `prices`: every input token and max output at the dearest
 * rates — an audio model's audio rates when the request carries audio in, or asks for it out; an
 * image-making model's image rate always, since any prompt may ask it for an image — and at
 * priority's when it asks for that tier (`service_tier`); at the rates in force from `at` until it
 * must be done.
 */
export function worstCaseCost(
  inputTokens: number,
  maxOutputTokens: number,
  prices: readonly ListPrice[],
  audio: AudioUse = NO_AUDIO,
  tier?: unknown,
  at = Date.now(),
): number {
  let input = 0;
  let output = 0;
  const until = at + CHARGED_WITHIN_MS;
  for (const listed of prices) {
    const rates =
      'from' in listed && listed.from > at && listed.from <= until
        ? [listed.before, listed.after]
        : [inForce(listed, at)];
    for (const base of rates) {
      const price = ratesFor(base, inputTokens);
      // A model that writes caches (its price says so) may write them for an hour: twice the input.
      const hour =
        price.cacheWrite1hPerMTok ?? (price.cacheWritePerMTok !== undefined ? 2 * price.inputPerMTok : 0);
      const audioIn = audio.input ? (price.audioInputPerMTok ?? 0) : 0;
      // Every rate an input token may be charged at (a cached-input price set above the input's too).
      const cached = price.cachedInputPerMTok ?? 0;
      input = Math.max(input, price.inputPerMTok, cached, price.cacheWritePerMTok ?? 0, hour, audioIn);
      output = Math.max(
        output,
        price.outputPerMTok,
        price.imageOutputPerMTok ?? 0,
        audio.output ? (price.audioOutputPerMTok ?? 0) : 0,
      );
    }
  }
  const factor = Math.max(tierFactor(tier, false, at), tierFactor(tier, false, until));
  return ((inputTokens * input + maxOutputTokens * output) * factor) / 1_000_000;
}
