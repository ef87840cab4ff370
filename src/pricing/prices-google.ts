// Google's list prices (see prices.ts).
import { changesOn, type ListPrice, long, p, withAudio } from './price-schema';

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
  // Gemini 3 Pro Image: its output is mostly images, $120 per 1M tokens (text and thinking $12):
  // charged at the image rate, so a budget stays a cap (an unknown model's $75 was below it).
  'gemini-3-pro-image': p(2, 120),
  'gemini-2.5-pro': { ...p(1.25, 10, 0.31), longContext: long(200_000, 2.5, 15, 0.625) },
  'gemini-2.5-flash': withAudio(p(0.3, 2.5, 0.075), 1),
  'gemini-2.5-flash-lite': withAudio(p(0.1, 0.4, 0.025), 0.3),
  'gemini-2.0-flash': withAudio(p(0.1, 0.4, 0.025), 0.7),
};
