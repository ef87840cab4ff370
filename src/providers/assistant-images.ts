// An assistant message's `images` (what an earlier answer made, output-images.ts), sent back so the
// model sees its own image in the history and can edit it ("make the sky darker"). Gemini takes
// them in the model turn (gemini-messages.ts); Anthropic and Bedrock Converse refuse an image in an
// assistant turn, so they go at the head of the user turn after it, told as that answer's
// (HeldImages); OpenAI-compatible services other than OpenRouter, whose field it is, get none.
import type { ChatMessage, MadeImage } from '../openai/schemas';
import { thoughtSignature } from './thought-signature';

export interface SentImage {
  url: string;
  /** Where the image's URL stands in the request, for errors. */
  path: string;
  /** Gemini's thought signature for the image's part (output-images.ts), if it came with one. */
  signature?: string;
}

/** The images an assistant message carries back; `path` is the message's own. */
export function sentImages(message: { images?: MadeImage[] | null }, path: string): SentImage[] {
  return (message.images ?? []).map((image, j) => {
    const signature = thoughtSignature(image.extra_content);
    return {
      url: image.image_url.url,
      path: `${path}.images[${j}].image_url.url`,
      ...(signature ? { signature } : {}),
    };
  });
}

/** What the model reads before the images of its answer moved to the user turn after it. */
export const MOVED_IMAGES_NOTE = 'The images from your previous answer:';

/**
 * The images of assistant messages on their way to the next user turn, for a provider whose
 * assistant turns hold none. They wait past the turn's tool results (which lead a user turn) for the
 * user's next message, and go before it, after a note saying whose they are; with no user message
 * after them (the conversation ends with the answer, or its tool results) they are left out, or
 * follow the results.
 */
export class HeldImages<Block> {
  private held: Block[] = [];

  constructor(private readonly note: (text: string) => Block) {}

  hold(images: Block[]): void {
    this.held.push(...images);
  }

  /** The held images and their note, for the user turn being built; none are held after. */
  take(): Block[] {
    if (this.held.length === 0) return [];
    const blocks = [this.note(MOVED_IMAGES_NOTE), ...this.held];
    this.held = [];
    return blocks;
  }
}

/**
 * `message` without an assistant message's `images`; the same message when it carries none. An
 * answer that was images alone is left out whole (undefined): with neither content nor calls, OpenAI
 * refuses it ("expected a string, got null"), and it says nothing without them.
 */
export function withoutImages(message: ChatMessage): ChatMessage | undefined {
  if (message.role !== 'assistant' || !('images' in message)) return message;
  const { images: _, ...rest } = message;
  const said = (rest.content != null && rest.content !== '') || rest.refusal != null;
  return said || (rest.tool_calls?.length ?? 0) > 0 ? rest : undefined;
}
