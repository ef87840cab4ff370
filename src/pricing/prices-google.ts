// Google's list prices (see prices.ts).
import { changesOn, type ListPrice, long, p, withAudio, withImageOutput } from './price-schema';

const FLASH_3X = changesOn('2027-01-01', p(0.75, 3.75, 0.075), p(1.5, 7.5, 0.15));

export const GOOGLE_PRICES: Record<string, ListPrice> = {
  // Audio in at its own rate where Google prices it apart from text, image and video.
  // Gemini 4 (no Pro, Flash or Lite names): Argon and Carbon at $4 / $20 since their launch prices
  // ($2 / $10) ended on 2026-11-30. Gemini 3.6 to 3.8 Flash are $0.75 / $3.75 until 2026-12-31 and
  // $1.50 / $7.50 from 2027-01-01, their cache reads $0.075 and then $0.15: each charged in its
  // time (a reservation in the last day before the rise counts the later rates, see
  // worstCaseCost). Cache reads (context caching, implicit or explicit): a
  // twentieth of the input for Gemini 4, a tenth for Gemini 3.x. Cache storage is billed by the
  // hour, not per token, and is not charged here.
  'gemini-4-argon': p(4, 20, 0.2),
  'gemini-4-carbon': p(4, 20, 0.2),
  'gemini-4-neon': p(3, 15, 0.15),
  'gemini-4-hydrogen': p(1.5, 7.5, 0.075),
  'gemini-3.8-flash': FLASH_3X,
  'gemini-3.7-flash': FLASH_3X,
  'gemini-3.6-flash': FLASH_3X,
  'gemini-3.5-flash': p(1.5, 9, 0.15),
  'gemini-3.5-flash-lite': p(0.3, 2.5, 0.03),
  'gemini-3.1-pro': { ...p(2, 12, 0.2), longContext: long(200_000, 4, 18, 0.4) },
  'gemini-3.1-flash-lite': withAudio(p(0.25, 1.5, 0.025), 0.5),
  'gemini-3-pro': { ...p(2, 12, 0.2), longContext: long(200_000, 4, 18, 0.4) },
  'gemini-3-flash': withAudio(p(0.5, 3, 0.05), 1),
  // Image models: text and thinking out at one rate, image tokens out at another, told apart by
  // the answer's per-modality counts (gemini-response.ts). A request is reserved, and an output
  // the gateway had to estimate charged, at the image rate (worstCaseCost, estimatedCharge).
  // Gemini 3 Pro Image: $2 in, $12 text and thinking, $120 images (Google's Gemini API pricing).
  'gemini-3-pro-image': withImageOutput(p(2, 12), 120),
  // Gemini 3.1 Flash Image: $60 images (about $0.067 a 1K image); $0.50 in and $3 text as Vertex AI
  // and Vercel's gateway list it (one listing has $0.25 in: the dearer is kept, a budget a cap).
  'gemini-3.1-flash-image': withImageOutput(p(0.5, 3), 60),
  // Gemini 2.5 Flash Image: $0.30 in, $30 images ($0.039 a 1024px image of 1,290 tokens), per
  // Google's pricing page, which gives it no text rate: text at Gemini 2.5 Flash's $2.50, the
  // model it is built on (one third-party table says $1.50: the dearer is kept).
  'gemini-2.5-flash-image': withImageOutput(p(0.3, 2.5), 30),
  'gemini-2.5-pro': { ...p(1.25, 10, 0.31), longContext: long(200_000, 2.5, 15, 0.625) },
  'gemini-2.5-flash': withAudio(p(0.3, 2.5, 0.075), 1),
  'gemini-2.5-flash-lite': withAudio(p(0.1, 0.4, 0.025), 0.3),
  'gemini-2.0-flash': withAudio(p(0.1, 0.4, 0.025), 0.7),
};
