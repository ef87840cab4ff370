import { describe, expect, it } from 'vitest';
import { imageSize } from '../../src/limits/image-size';
import { imageTokens, UNKNOWN_IMAGE_TOKENS } from '../../src/limits/image-tokens';

// Headers of real images (ImageMagick 6): whole files for the small ones, a JPEG up to its frame.
const PNG_1500x900 = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAABdwAAAOEAQMAAACB9mGHAAAABGdBTQ==';
const GIF_300x200 = 'data:image/gif;base64,R0lGODlhLAHIAPAAAAAA/wAAACH5BAAAAAAALAAAAAAsAcgAAAL+hA==';
const WEBP_LOSSLESS_640x481 =
  'data:image/webp;base64,UklGRi4AAABXRUJQVlA4TCIAAAAvfwJ4AAdQwIj+BwQkSf//hxH9zw==';
const WEBP_LOSSY_641x400 = 'data:image/webp;base64,UklGRroCAABXRUJQVlA4IK4CAABQRQCdASqBApABP3G42WW0ryunIA==';
const WEBP_EXTENDED_700x300 =
  'data:image/webp;base64,UklGRuYBAABXRUJQVlA4WAoAAAAQAAAAuwIAKwEAQUxQSBkAAAABBw==';
const JPEG_2000x1000 =
  'data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDACgcHiMeGSgjISMtKygwPGRBPDc3PHtYXUlkkYCZlo+AjIqgtObDoKrarYqMyP/L2u71////m8H////6/+b9//j/wAALCAPoB9ABAREA/8QAFQAB';
const PROGRESSIVE_JPEG_1000x3000 =
  'data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAFA3PEY8MlBGQUZaVVBfeMiCeG5uePWvuZHI////////////////////////////////////////////////////wgALCAu4A+gBAREA/8QAFAAB';

function base64(bytes: number[] | Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

/** A JPEG whose frame comes after `metadata` bytes of comment and EXIF segments (a camera's). */
function jpegAfterMetadata(metadata: number, width: number, height: number): string {
  const bytes: number[] = [0xff, 0xd8];
  for (let left = metadata; left > 0; ) {
    const size = Math.min(left, 65_533);
    bytes.push(0xff, left === metadata ? 0xe1 : 0xfe, (size + 2) >> 8, (size + 2) & 0xff);
    for (let i = 0; i < size; i++) bytes.push(0x41);
    left -= size;
  }
  bytes.push(0xff, 0xff); // a fill byte before the next marker
  bytes.push(0xff, 0xc0, 0, 11, 8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0);
  bytes.push(0xff, 0xd9);
  return `data:image/jpeg;base64,${base64(bytes)}`;
}

describe('imageSize (the pixel size of an inline image, from its header)', () => {
  it('reads PNG, GIF, the three WebP kinds and baseline and progressive JPEG', () => {
    expect(imageSize(PNG_1500x900)).toEqual({ width: 1500, height: 900 });
    expect(imageSize(GIF_300x200)).toEqual({ width: 300, height: 200 });
    expect(imageSize(WEBP_LOSSLESS_640x481)).toEqual({ width: 640, height: 481 });
    expect(imageSize(WEBP_LOSSY_641x400)).toEqual({ width: 641, height: 400 });
    expect(imageSize(WEBP_EXTENDED_700x300)).toEqual({ width: 700, height: 300 });
    expect(imageSize(JPEG_2000x1000)).toEqual({ width: 2000, height: 1000 });
    expect(imageSize(PROGRESSIVE_JPEG_1000x3000)).toEqual({ width: 1000, height: 3000 });
  });

  it("walks a JPEG's metadata segments to its frame, however long they are", () => {
    expect(imageSize(jpegAfterMetadata(150_000, 4032, 3024))).toEqual({ width: 4032, height: 3024 });
  });

  it('knows nothing of a remote image, another format, bad base64 or a header cut short', () => {
    expect(imageSize('https://example.com/cat.png')).toBeUndefined();
    expect(
      imageSize(`data:image/png;base64,${base64(new TextEncoder().encode('<svg></svg>'))}`),
    ).toBeUndefined();
    expect(imageSize('data:image/png;base64,@@@@not base64@@@@')).toBeUndefined();
    expect(imageSize(PNG_1500x900.slice(0, 40))).toBeUndefined();
    expect(imageSize(JPEG_2000x1000.slice(0, 120))).toBeUndefined();
    expect(imageSize('data:image/jpeg;base64,')).toBeUndefined();
    // A segment length pointing past the end, and one of zero (no progress): both end the walk.
    expect(
      imageSize(`data:image/jpeg;base64,${base64([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, 0, 0])}`),
    ).toBeUndefined();
    expect(
      imageSize(`data:image/jpeg;base64,${base64([0xff, 0xd8, 0xff, 0xe1, 0, 0, 0, 0])}`),
    ).toBeUndefined();
  });
});

describe('imageTokens (an image in a reservation)', () => {
  it("reserves the larger of OpenAI's tiles and Anthropic's area for an inline image", () => {
    // 1500×900 → OpenAI: 1280×768, 3×2 tiles = 1,105; Anthropic: 1500×900 over 1.15 MP, scaled
    // to 1,150,000 px = 1,534. A 300×200 GIF: one tile = 255 against 80.
    expect(imageTokens({ url: PNG_1500x900 })).toBe(1534);
    expect(imageTokens({ url: GIF_300x200, detail: 'high' })).toBe(255);
    // 1000×3000 → OpenAI: 683×2048, then 768 short side stays → 2×4 tiles = 1,445; Anthropic
    // 523×1568 = 1,094.
    expect(imageTokens({ url: PROGRESSIVE_JPEG_1000x3000, detail: 'auto' })).toBe(1445);
  });

  it('reserves 85 at detail low, and the fixed figure for an image it cannot size', () => {
    expect(imageTokens({ url: PNG_1500x900, detail: 'low' })).toBe(85);
    expect(imageTokens({ url: 'https://example.com/cat.png' })).toBe(UNKNOWN_IMAGE_TOKENS);
    expect(imageTokens({ url: 'data:image/png;base64,AAAA' })).toBe(UNKNOWN_IMAGE_TOKENS);
  });
});
