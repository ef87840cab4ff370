// OpenAI's list prices (see prices.ts).
import { long, openAIModel, type Price, p, withAudio, withImageOutput } from './price-schema';

export const OPENAI_PRICES: Record<string, Price> = {
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
  // Their own rates (a tenth of the input for reads), not GPT-5.4's by the cheaper-tier rule.
  'gpt-5.4-mini': p(0.75, 4.5, 0.075),
  'gpt-5.4-nano': p(0.2, 1.25, 0.02),
  // GPT-5.5 and later. From GPT-5.6, OpenAI bills cache writes (the usage's cache_write_tokens) at
  // 1.25× the input, and reads at a tenth of it or less; over 272k prompt tokens the whole request
  // pays 2× input (reads and writes too) and 1.5× output (openAIModel). The bare `gpt-5.6` is an
  // alias of Sol. GPT-5.6 Sol is back at $5 / $30 since its promotion ($4 / $20) ended on
  // 2026-11-30. GPT-5.5 and its pro over 272k prompt tokens: 2× input (and cache reads) and 1.5×
  // output for the whole request, as GPT-5.4 ("GPT-5.5 and GPT-5.5 Pro use the same breakpoint
  // pricing structure as GPT-5.4 at 272K input tokens": AWS's transcript of OpenAI's pricing,
  // github.com/aws/agent-toolkit-for-aws, plugins/aws-startup-advisor/skills/gcp-to-aws/references/
  // shared/pricing-cache.md). Not known here (a `pricing` entry sets them): GPT-6.2 Astra's cached
  // input, cache writes and rates past 272k.
  'gpt-5.5': { ...p(5, 30, 0.5), longContext: long(272_000, 10, 45, 1) },
  'gpt-5.5-pro': { ...p(30, 180), longContext: long(272_000, 60, 270) },
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
  'gpt-audio-1.5': withAudio(p(2.5, 10), 32, 64),
  // Realtime: cached audio costs what cached text does ($0.40).
  'gpt-realtime-2': withAudio(p(4, 24, 0.4), 32, 64),
  'gpt-realtime-2.1': withAudio(p(4, 24, 0.4), 32, 64),
  // Its own rates, not gpt-realtime-2.1's by the cheaper-tier rule. Cached audio ($0.30) costs more
  // than cached text ($0.06), and the usage does not split cache hits by modality: charged at $0.30.
  'gpt-realtime-2.1-mini': withAudio(p(0.6, 2.4, 0.3), 10, 20),
  // Image models (/v1/images/generations; images-cost.ts): text in, image tokens out. gpt-image-1.5
  // also bills text output at its own rate. DALL·E reports no usage: a price per image, its dearest
  // (dall-e-3 HD at 1792×1024, dall-e-2 at 1024×1024), so that a budget stays a cap.
  'gpt-image-1': p(5, 40, 1.25),
  'gpt-image-1-mini': p(2, 8, 0.2),
  'gpt-image-1.5': withImageOutput(p(5, 10, 1.25), 32),
  'dall-e-3': { ...p(0, 0), perImageUsd: 0.12 },
  'dall-e-2': { ...p(0, 0), perImageUsd: 0.02 },
  'text-embedding-3-small': p(0.02, 0),
  'text-embedding-3-large': p(0.13, 0),
};
