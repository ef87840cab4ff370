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
  // Below, each model's `price` on its own page, developers.cloudflare.com/workers-ai/models/<name>/
  // (cloudflare-docs' src/content/workers-ai-models/<name>.json), USD per M tokens.
  // Kimi K2.7 Code: $0.95 input, $4 output, $0.19 cached input.
  'kimi-k2.7-code': p(0.95, 4, 0.19),
  // GLM 5.3: $1.40 input, $4.40 output, $0.26 cached input, as GLM 5.2.
  'glm-5.3': p(1.4, 4.4, 0.26),
  // GLM 5.3 Flash: $0.15 input, $0.50 output, $0.03 cached input; its own entry, or the
  // cheaper-tier rule would charge it as GLM 5.3, nine times its price.
  'glm-5.3-flash': p(0.15, 0.5, 0.03),
  // GLM 4.7 Flash: $0.0605 input, $0.40 output.
  'glm-4.7-flash': p(0.0605, 0.4),
  // NVIDIA Nemotron 3 Super (`@cf/nvidia/nemotron-3-120b-a12b`): $0.50 input, $1.50 output.
  'nemotron-3-120b-a12b': p(0.5, 1.5),
  // Gemma 4 26B A4B (`@cf/google/gemma-4-26b-a4b-it`): $0.10 input, $0.30 output.
  'gemma-4-26b-a4b-it': p(0.1, 0.3),
};
