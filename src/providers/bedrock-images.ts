// Images Nova 2 Omni makes, out of Converse answers: a JSON answer's `image` content blocks
// ({format, source: {bytes}}), and a stream's image blocks — the format on contentBlockStart, the
// base64 bytes in one or more contentBlockDelta events — each relayed whole when its block stops.
import * as z from 'zod';
import { joinBase64 } from '../base64';
import { type OutputImage, outputImage } from './output-images';

const imageBlock = z.looseObject({
  format: z.string().min(1),
  source: z.looseObject({ bytes: z.string().min(1) }),
});

const mediaType = (format: string) => `image/${format.toLowerCase()}`;

/** A JSON answer's image block as the client gets it; undefined for one without bytes (an error block). */
export function converseImage(block: unknown): OutputImage | undefined {
  const parsed = imageBlock.safeParse(block);
  return parsed.success ? outputImage(mediaType(parsed.data.format), parsed.data.source.bytes) : undefined;
}

const imageDelta = z.looseObject({ source: z.looseObject({ bytes: z.string() }) });
const imageStart = z.looseObject({ format: z.string().min(1) });

/** A stream's image blocks being received, by content block index. */
export class StreamedImages {
  private readonly open = new Map<number, { format: string; pieces: string[] }>();

  /** An image block starts (`start.image`: its format). */
  start(block: number, start: unknown): void {
    const parsed = imageStart.safeParse(start);
    this.open.set(block, { format: parsed.success ? parsed.data.format : 'png', pieces: [] });
  }

  /** More of a block's bytes (`delta.image`). */
  add(block: number, delta: unknown): void {
    const parsed = imageDelta.safeParse(delta);
    if (!parsed.success || parsed.data.source.bytes === '') return;
    let image = this.open.get(block);
    // Bytes with no start before them: a format Converse did not name is read as PNG.
    if (!image) {
      image = { format: 'png', pieces: [] };
      this.open.set(block, image);
    }
    image.pieces.push(parsed.data.source.bytes);
  }

  /** The block's image, whole, once it stops; undefined for another block, or an image with no bytes. */
  finish(block: number): OutputImage | undefined {
    const image = this.open.get(block);
    if (!image) return undefined;
    this.open.delete(block);
    if (image.pieces.length === 0) return undefined;
    try {
      return outputImage(mediaType(image.format), joinBase64(image.pieces));
    } catch {
      return undefined; // bytes that are not base64: nothing a client could show
    }
  }

  /** Every block still open, in order (the message stopped without their contentBlockStop). */
  finishAll(): OutputImage[] {
    return [...this.open.keys()].sort((a, b) => a - b).flatMap((block) => this.finish(block) ?? []);
  }
}
