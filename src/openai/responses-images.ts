// An image_generation_call item sent back (an image the gateway returned, responses-answer.ts) as
// the chat image it was: its `result` is base64 without a media type, which its first bytes tell.
import { fromBase64Url } from '../base64';
import { type OutputImage, outputImage } from '../providers/output-images';

/** The image of an item's `result`; undefined without bytes, or for bytes of no type named here. */
export function resultImage(result: unknown): OutputImage | undefined {
  if (typeof result !== 'string' || result === '') return undefined;
  const type = imageType(result);
  return type ? outputImage(type, result) : undefined;
}

/** PNG, JPEG, WebP or GIF by their magic numbers (the first 12 bytes: 16 base64 characters). */
export function imageType(base64: string): string | undefined {
  let head: Uint8Array;
  try {
    head = fromBase64Url(base64.length > 16 ? base64.slice(0, 16) : base64);
  } catch {
    return undefined;
  }
  const starts = (bytes: readonly number[], at = 0) => bytes.every((byte, i) => head[at + i] === byte);
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (starts([0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return 'image/webp';
  if (starts([0x47, 0x49, 0x46, 0x38])) return 'image/gif';
  return undefined;
}
