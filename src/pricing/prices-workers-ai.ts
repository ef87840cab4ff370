// Workers AI's chat models (see prices.ts), looked up as every open model is: by the part of the id
// after the last "/" (`@cf/meta/llama-3.1-8b-instruct` → `llama-3.1-8b-instruct`). Cloudflare bills
// neurons ($0.011 per 1,000) and publishes each model's rate per million tokens; where its pricing
// page and a model's own page differ (Llama 3.3 70B: $0.293 / $2.253 against $0.29 / $2.25), the
// dearer figure is here, so that a budget stays a cap. Quantised and `-fast` variants are listed
// apart: `llama-3.1-8b-instruct-fp8-fast` outputs at more than `-fp8`, which the cheaper-tier rule
// would charge it as. gpt-oss and Llama 4 Scout, served by several hosts, are in prices-others.ts.
import { type Price, p } from './price-schema';

export const WORKERS_AI_PRICES: Record<string, Price> = {
  'llama-3.2-1b-instruct': p(0.027, 0.201),
  'llama-3.2-3b-instruct': p(0.051, 0.335),
  'llama-3.2-11b-vision-instruct': p(0.049, 0.676),
  'llama-3.1-8b-instruct': p(0.282, 0.827),
  'llama-3.1-8b-instruct-fp8': p(0.152, 0.287),
  'llama-3.1-8b-instruct-fp8-fast': p(0.045, 0.384),
  'llama-3.1-8b-instruct-awq': p(0.123, 0.266),
  'llama-3-8b-instruct': p(0.282, 0.827),
  'llama-3-8b-instruct-awq': p(0.123, 0.266),
  'llama-3.1-70b-instruct-fp8-fast': p(0.293, 2.253),
  'llama-3.3-70b-instruct-fp8-fast': p(0.293, 2.253),
  'llama-2-7b-chat-fp16': p(0.556, 6.667),
  'mistral-7b-instruct-v0.1': p(0.11, 0.19),
  'mistral-small-3.1-24b-instruct': p(0.35, 0.56),
  'gemma-3-12b-it': p(0.35, 0.56),
  'qwq-32b': p(0.66, 1),
  'qwen2.5-coder-32b-instruct': p(0.66, 1),
  'qwen3-30b-a3b-fp8': p(0.051, 0.34),
  'deepseek-r1-distill-qwen-32b': p(0.497, 4.881),
  // Dearer than DeepSeek's own V4 Flash ($0.30 / $1.20), which the snapshot rule would charge it as.
  'deepseek-v4-flash-0731': p(0.44, 1.32, 0.014),
  'kimi-k2.6': p(0.95, 4, 0.16),
  'glm-5.2': p(1.4, 4.4, 0.26),
};
