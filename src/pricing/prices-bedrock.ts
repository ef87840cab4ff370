// Amazon Bedrock's on-demand prices of the models it hosts beside Claude (whose ids resolve to
// Anthropic's prices, cost.ts), keyed by bedrockBaseModel's provider-qualified ids and looked up
// only for a `bedrock` provider: Bedrock's Command R+ costs $3 / $15 where Cohere's own costs
// $2.50 / $10, and its Llama 3.3 70B a different rate from every other host's.
//
// Standard tier, US East, in-Region or geographic cross-Region profile. Where Bedrock charges a
// global profile less (Nova 2 Lite: $0.30 / $2.50 against $0.33 / $2.75), the dearer rate is here,
// for every profile, so that a budget stays a cap; likewise where sources differ. Other Regions
// can cost more (DeepSeek V3.2 in Mumbai: $0.74 / $2.22): a `pricing` entry by `<provider>/<model>`
// sets them. Embedding models charge their input only; Nova's cache reads cost a quarter of its input.
// aws.amazon.com/bedrock/pricing renders its rates client-side; "AWS's transcript" below is AWS's
// own copy of them, github.com/aws/agent-toolkit-for-aws/blob/main/plugins/aws-startup-advisor/
// skills/gcp-to-aws/references/shared/pricing-cache.md (US East, read 2026-09-03).
import { ownEntry } from '../config/own-entry';
import { bedrockBaseModel } from './bedrock-base-model';
import { openAIModel, type Price, p, withAudio, withImageOutput } from './price-schema';

export const BEDROCK_PRICES: Record<string, Price> = {
  // Amazon
  'amazon.nova-micro': p(0.035, 0.14, 0.00875),
  'amazon.nova-lite': p(0.06, 0.24, 0.015),
  'amazon.nova-pro': p(0.8, 3.2, 0.2),
  'amazon.nova-premier': p(2.5, 12.5, 0.625),
  'amazon.nova-2-lite': p(0.33, 2.75),
  'amazon.nova-2-pro': p(1.375, 11), // preview
  // Nova 2 Omni (preview), per AWS's transcript (geographic and in-Region; global is cheaper):
  // text, image and video in $0.30, audio in $1.10 (which the Converse adapter refuses), text out
  // $2.80, image out $44.00. Converse's usage does not split its output by modality: an answer with
  // an image block is charged at the image rate, any other at the text rate (bedrock-response.ts,
  // toUsage); a request is reserved at the image rate, since any prompt may ask for one.
  'amazon.nova-2-omni': withImageOutput(p(0.3, 2.8), 44),
  // Nova 2 Sonic, per AWS's transcript: speech $3.00 in and $12.00 out, text $0.33 and $2.75.
  'amazon.nova-2-sonic': withAudio(p(0.33, 2.75), 3, 12),
  'amazon.titan-text-lite': p(0.15, 0.2),
  'amazon.titan-text-express': p(0.2, 0.6),
  'amazon.titan-text-premier': p(0.5, 1.5),
  'amazon.titan-embed-text': p(0.1, 0), // V1 (`amazon.titan-embed-text-v1`)
  'amazon.titan-embed-text-v2': p(0.02, 0),
  // Its text rate; images, video and audio are billed per item, which tokens cannot say.
  'amazon.nova-2-multimodal-embeddings': p(0.135, 0),
  // Meta
  'meta.llama4-maverick-17b-instruct': p(0.24, 0.97),
  'meta.llama4-scout-17b-instruct': p(0.17, 0.66),
  'meta.llama3-3-70b-instruct': p(0.72, 0.72),
  'meta.llama3-2-90b-instruct': p(0.72, 0.72),
  'meta.llama3-2-11b-instruct': p(0.16, 0.16),
  'meta.llama3-2-3b-instruct': p(0.15, 0.15),
  'meta.llama3-2-1b-instruct': p(0.1, 0.1),
  'meta.llama3-1-405b-instruct': p(2.4, 2.4),
  'meta.llama3-1-70b-instruct': p(0.72, 0.72),
  'meta.llama3-1-8b-instruct': p(0.22, 0.22),
  'meta.llama3-70b-instruct': p(2.65, 3.5),
  'meta.llama3-8b-instruct': p(0.3, 0.6),
  // OpenAI's open-weight models (`openai.gpt-oss-120b-1:0`, Mantle's `openai.gpt-oss-120b`)
  'openai.gpt-oss-120b': p(0.15, 0.6),
  'openai.gpt-oss-20b': p(0.07, 0.3),
  // OpenAI's GPT models, per AWS's transcript (input, output, cache write, cache read): in-Region
  // and geographic profiles at 1.10× OpenAI's list price (global ones, at the list price, cost
  // less). GPT-5.5 $5.50 / $33.00 / — / $0.55 and GPT-5.4 $2.75 / $16.50 / — / $0.275, with no
  // rates past 272k (their window ends there; GovCloud's GPT-5.4, $3.30 / $19.80, takes a `pricing`
  // entry); GPT-5.6 Terra $2.20 / $13.20 / $2.75 / $0.22 and Luna $0.22 / $1.32 / $0.275 / $0.022,
  // past 272k "2.0x input / 1.5x output" as OpenAI charges. GPT-5.6 Sol is not here: its listed
  // $4.40 / $22.00 was a promotion "through at least Nov 21, 2026", and no later rate is sourced.
  'openai.gpt-5.5': p(5.5, 33, 0.55),
  'openai.gpt-5.4': p(2.75, 16.5, 0.275),
  'openai.gpt-5.6-terra': openAIModel(2.2, 13.2, 0.22),
  'openai.gpt-5.6-luna': openAIModel(0.22, 1.32, 0.022),
  // DeepSeek. V3.1 (`deepseek.v3-v1:0`) is served in Sydney only, listed there at $0.58 / $1.68
  // and at $0.5974 / $1.7304: the dearer.
  'deepseek.r1': p(1.35, 5.4),
  'deepseek.v3': p(0.5974, 1.7304),
  'deepseek.v3.2': p(0.62, 1.85),
  // Mistral AI. Large 2 (24.07) launched at $3 / $9 and is listed at $2 / $6 since: the dearer.
  'mistral.mistral-7b-instruct': p(0.15, 0.2),
  'mistral.mixtral-8x7b-instruct': p(0.45, 0.7),
  'mistral.mistral-small-2402': p(1, 3),
  'mistral.mistral-large-2402': p(4, 12),
  'mistral.mistral-large-2407': p(3, 9),
  'mistral.pixtral-large-2502': p(2, 6),
  'mistral.mistral-large-3-675b-instruct': p(0.5, 1.5),
  'mistral.devstral-2-123b': p(0.4, 2),
  'mistral.ministral-3-14b-instruct': p(0.2, 0.2),
  'mistral.ministral-3-8b-instruct': p(0.15, 0.15),
  'mistral.ministral-3-3b-instruct': p(0.1, 0.1),
  // Qwen (Mantle names the 480B coder `…-instruct`)
  'qwen.qwen3-32b': p(0.15, 0.6),
  'qwen.qwen3-235b-a22b-2507': p(0.22, 0.88),
  'qwen.qwen3-coder-480b-a35b': p(0.22, 1.8),
  'qwen.qwen3-coder-480b-a35b-instruct': p(0.22, 1.8),
  'qwen.qwen3-next-80b-a3b': p(0.15, 1.2),
  'qwen.qwen3-coder-next': p(0.6, 1.44),
  // Not in AWS's transcript: Qwen3 Coder 30B A3B at $0.15 / $0.60 per models.dev
  // (github.com/anomalyco/models.dev providers/amazon-bedrock/models/qwen.qwen3-coder-30b-a3b-v1:0.toml,
  // "input = 0.15, output = 0.6"), for the runtime id and Mantle's `-instruct` one.
  'qwen.qwen3-coder-30b-a3b': p(0.15, 0.6),
  'qwen.qwen3-coder-30b-a3b-instruct': p(0.15, 0.6),
  // Cohere. The embedding models at Cohere's own list rates.
  'cohere.command-r-plus': p(3, 15),
  'cohere.command-r': p(0.5, 1.5),
  'cohere.embed-english-v3': p(0.1, 0),
  'cohere.embed-multilingual-v3': p(0.1, 0),
  'cohere.embed-v4': p(0.12, 0),
  // Google, MiniMax, Moonshot AI, AI21 Labs
  'google.gemma-3-27b-it': p(0.23, 0.38),
  'google.gemma-3-12b-it': p(0.09, 0.29),
  'google.gemma-3-4b-it': p(0.04, 0.08),
  // Gemma 4 (Mantle only), per AWS's transcript: 31B $0.14 / $0.40, 26B A4B $0.13 / $0.40, E2B
  // $0.04 / $0.08.
  'google.gemma-4-31b': p(0.14, 0.4),
  'google.gemma-4-26b-a4b': p(0.13, 0.4),
  'google.gemma-4-e2b': p(0.04, 0.08),
  'minimax.minimax-m2': p(0.3, 1.2),
  'minimax.minimax-m2.1': p(0.3, 1.2),
  'minimax.minimax-m2.5': p(0.3, 1.2),
  'moonshot.kimi-k2-thinking': p(0.6, 2.5),
  // Kimi K2.5 (vendor `moonshotai.`), not in AWS's transcript: $0.60 / $3.00 per models.dev
  // (providers/amazon-bedrock/models/moonshotai.kimi-k2.5.toml, "input = 0.6, output = 3").
  'moonshotai.kimi-k2.5': p(0.6, 3),
  'ai21.jamba-1-5-large': p(2, 8),
  'ai21.jamba-1-5-mini': p(0.2, 0.4),
};

/** The Bedrock price of a non-Claude model id (an ARN's last part, a profile or a plain id), if listed. */
export function bedrockPrice(id: string): Price | undefined {
  return ownEntry(BEDROCK_PRICES, bedrockBaseModel(id));
}
