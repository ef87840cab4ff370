// What an image in a prompt is estimated at. Providers bill images by their pixel size, each its
// own way: OpenAI by 512-pixel tiles of the image scaled into 2048 × 2048 and then to a shortest
// side of at most 768 (85 tokens plus 170 a tile; 85 in all at `detail: "low"`), Anthropic by area
// (width × height / 750, the image first scaled to at most 1568 pixels a side and ~1.15 megapixels).
// The estimate only sizes a reservation (settle charges what the provider counted), but one fixed
// figure reserved nine times a low-detail image's cost and half a large image's at Anthropic.
import { imageSize } from './image-size';

/** What an image costs when its size cannot be known (a remote URL): a 1024 × 1024 one at OpenAI. */
export const UNKNOWN_IMAGE_TOKENS = 765;
const LOW_DETAIL_TOKENS = 85;

/** An image part's estimate: by its size when inline, the larger of the two billing schemes. */
export function imageTokens(image: { url: string; detail?: string | undefined }): number {
  const size = image.detail === 'low' ? undefined : imageSize(image.url);
  if (!size) return unseenImageTokens(image.detail);
  return Math.max(tileTokens(size.width, size.height), areaTokens(size.width, size.height));
}

/** An image whose size cannot be known (a remote URL, an uploaded file sent by id), at `detail`. */
export function unseenImageTokens(detail?: string | null): number {
  // `detail` is OpenAI's parameter, which other providers ignore: one who sets it means OpenAI.
  return detail === 'low' ? LOW_DETAIL_TOKENS : UNKNOWN_IMAGE_TOKENS;
}

function tileTokens(width: number, height: number): number {
  const fit = Math.min(1, 2048 / Math.max(width, height));
  const shortest = Math.min(width, height) * fit;
  const scale = fit * Math.min(1, 768 / shortest);
  return LOW_DETAIL_TOKENS + 170 * Math.ceil((width * scale) / 512) * Math.ceil((height * scale) / 512);
}

function areaTokens(width: number, height: number): number {
  const scale = Math.min(1, 1568 / Math.max(width, height), Math.sqrt(1_150_000 / (width * height)));
  return Math.ceil((width * scale * height * scale) / 750);
}
