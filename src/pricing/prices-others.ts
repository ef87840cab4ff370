// List prices of the other providers (Groq, Mistral, DeepSeek, xAI, Cohere) and of embedding models (see prices.ts).
import { grok, type Price, p } from './price-schema';

export const OTHER_PRICES: Record<string, Price> = {
  'llama-3.1-8b-instant': p(0.05, 0.08),
  'llama-3.3-70b-versatile': p(0.59, 0.79),
  'mistral-large-latest': p(2, 6),
  'mistral-small-latest': p(0.1, 0.3),
  'deepseek-chat': p(0.27, 1.1, 0.07),
  'deepseek-reasoner': p(0.55, 2.19, 0.14),
  // DeepSeek bills half these rates off-peak (outside 01:00-04:00 and 06:00-10:00 UTC on weekdays):
  // the usage does not say which, so every request is charged the peak rates, a budget's bound. The
  // retired V4 Flash names are served by V4.1 Flash and billed at its price.
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
  // Grok 4.20's names (`grok-4.20-0309` is a snapshot of `grok-4.20`); its multi-agent beta is not
  // priced here.
  'grok-4.20': grok(1.25, 2.5, 0.2),
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
