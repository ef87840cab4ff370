// List prices of the other providers (Groq, Together AI, Fireworks, Mistral, DeepSeek, xAI, Cohere)
// and of embedding models (see prices.ts).
import { grok, type Price, p } from './price-schema';

export const OTHER_PRICES: Record<string, Price> = {
  // Open models are looked up by the part of their id after the last "/", so one name served by
  // several hosts (Groq, Together, Fireworks, Workers AI) has one entry: each rate is the dearest
  // host's, so that a budget stays a cap wherever the model runs. A host's own rate goes in the
  // config's `pricing` by `<provider>/<model>`.
  'gpt-oss-120b': p(0.35, 0.75, 0.075), // Workers AI's in and out; Groq's cache hits
  'gpt-oss-20b': p(0.2, 0.3, 0.0375), // Workers AI's in and out; Groq's cache hits
  'llama-4-scout-17b-16e-instruct': p(0.27, 0.85), // Workers AI's; Groq's is $0.11 / $0.34
  // Groq
  'llama-3.1-8b-instant': p(0.05, 0.08),
  'llama-3.3-70b-versatile': p(0.59, 0.79),
  'qwen3-32b': p(0.29, 0.59),
  'qwen3.8-27b': p(0.8, 4, 0.4),
  // Groq and Together charge the same for Kimi K2 0905; Groq bills cache hits at half.
  'kimi-k2-instruct': p(1, 3, 0.5),
  'Kimi-K2-Instruct': p(1, 3),
  'Kimi-K2-Thinking': p(1.2, 4),
  // Together AI (its ids keep their capitals)
  'Llama-3.3-70B-Instruct-Turbo': p(0.88, 0.88),
  'Meta-Llama-3.1-405B-Instruct-Turbo': p(3.5, 3.5),
  'DeepSeek-V3': p(1.25, 1.25),
  'DeepSeek-R1': p(3, 7),
  'GLM-5': p(1, 3.2),
  // Fireworks (`accounts/fireworks/models/…`)
  'llama-v3p3-70b-instruct': p(0.9, 0.9),
  'kimi-k2p6': p(0.95, 4, 0.16),
  'kimi-k2p5': p(0.6, 3, 0.1),
  'deepseek-v3p1': p(0.56, 1.68, 0.28),
  'deepseek-v3p2': p(0.56, 1.68, 0.28),
  'glm-5p1': p(1.4, 4.4, 0.26),
  'glm-5': p(1, 3.2, 0.2),
  'glm-4p7': p(0.6, 2.2, 0.3),
  // Mistral. A bare family name prices its `-latest` alias and dated snapshots (`mistral-large-2611`)
  // as the model the alias now serves; older snapshots that cost more, or much less, keep their own.
  // Large 4 at its list price: its preview was billed at half ($0.68 / $2.09), and some catalogues
  // quote $0.70 / $2.10 since; the dearer figure keeps a budget a cap.
  'mistral-large': p(1.36, 4.18, 0.14),
  'mistral-large-4': p(1.36, 4.18, 0.14),
  'mistral-large-2512': p(0.5, 1.5), // Large 3
  'mistral-large-2411': p(2, 6), // Large 2.1, retired at Mistral: its last list price
  'mistral-medium': p(1.5, 7.5), // Medium 3.5, which `mistral-medium-latest` serves
  'mistral-medium-3.5': p(1.5, 7.5),
  'mistral-medium-3-5': p(1.5, 7.5),
  // Small 4: some sources give $0.10 / $0.30, Mistral's model card $0.15 / $0.60.
  'mistral-small': p(0.15, 0.6),
  // Magistral was folded into Medium 3.5 and Small 4: each rate is the dearer of the two models'.
  'magistral-medium': p(2, 7.5),
  'magistral-small': p(0.5, 1.5),
  codestral: p(0.3, 0.9, 0.03),
  // Devstral 2; `devstral-small-…` ($0.10 / $0.30) is charged as it, by the cheaper-tier rule.
  devstral: p(0.4, 2),
  'devstral-medium': p(0.4, 2),
  'ministral-14b': p(0.2, 0.2, 0.02),
  'ministral-8b': p(0.15, 0.15),
  'ministral-3b': p(0.1, 0.1),
  // DeepSeek bills half these rates off-peak (outside 01:00-04:00 and 06:00-10:00 UTC on weekdays):
  // the usage does not say which, so every request is charged the peak rates, a budget's bound. The
  // retired V4 Flash names are served by V4.1 Flash and billed at its price. `deepseek-chat` and
  // `deepseek-reasoner` were V4 Flash's names until DeepSeek retired them on 2026-07-24 (it refuses
  // them since): other hosts that still take them are charged as Flash, not V3's and R1's old rates.
  'deepseek-chat': p(0.3, 1.2, 0.006),
  'deepseek-reasoner': p(0.3, 1.2, 0.006),
  'deepseek-flash': p(0.3, 1.2, 0.006),
  'deepseek-v4-flash': p(0.3, 1.2, 0.006),
  'deepseek-v4-flash-vision-exp': p(0.3, 1.2, 0.006),
  'deepseek-v4-pro': p(1.32, 3.96, 0.044),
  'grok-4': p(3, 15, 0.75),
  // From Grok 4.20 on, a prompt of 200k tokens or more costs twice every rate, for the whole request.
  'grok-4.7': grok(2, 6, 0.5),
  'grok-4.6': grok(2, 6, 0.5),
  'grok-4.5': grok(2, 6, 0.5),
  'grok-4.3': grok(1.25, 2.5, 0.2),
  // Grok 4.20's names (`grok-4.20-0309` is a snapshot of `grok-4.20`), its multi-agent model's
  // included, which xAI lists at the same rates (its launch price, $2 / $6, was cut to these).
  'grok-4.20': grok(1.25, 2.5, 0.2),
  'grok-4.20-multi-agent': grok(1.25, 2.5, 0.2),
  'grok-4.20-multi-agent-beta-0309': grok(1.25, 2.5, 0.2),
  'grok-4.20-reasoning': grok(1.25, 2.5, 0.2),
  'grok-4.20-non-reasoning': grok(1.25, 2.5, 0.2),
  'grok-4.20-0309-reasoning': grok(1.25, 2.5, 0.2),
  'grok-4.20-0309-non-reasoning': grok(1.25, 2.5, 0.2),
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
