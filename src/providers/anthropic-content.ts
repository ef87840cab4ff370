// OpenAI content parts → Anthropic content blocks: text (with its cache_control marker), images,
// PDFs, and the text a system message may hold. Pure; what Anthropic cannot take is a 400.
import { invalidRequest } from '../errors';
import type { ContentPart } from '../openai/schemas';
import { parseDataUrl } from './data-url';
import { Unsupported } from './types';

type Block = Record<string, unknown>;

const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/** Anthropic refuses text blocks that are empty or only whitespace; they are left out. */
const isBlank = (block: Block) => block.type === 'text' && !(block.text as string).trim();

export function systemBlocks(content: string | ContentPart[], path: string): Block[] {
  if (typeof content === 'string') return content.trim() ? [{ type: 'text', text: content }] : [];
  return content.flatMap((part, j) => {
    if (part.type !== 'text') throw invalidRequest('System messages may only contain text.', `${path}[${j}]`);
    return part.text.trim() ? [textBlock(part)] : [];
  });
}

export function contentBlocks(content: string | ContentPart[], path: string): Block[] {
  if (typeof content === 'string') return content.trim() ? [{ type: 'text', text: content }] : [];
  return content.map((part, j) => partBlock(part, `${path}[${j}]`)).filter((block) => !isBlank(block));
}

function partBlock(part: ContentPart, path: string): Block {
  switch (part.type) {
    case 'text':
      return textBlock(part);
    case 'refusal':
      return { type: 'text', text: part.refusal };
    case 'image_url':
      return withCache(imageBlock(part.image_url.url, `${path}.image_url.url`), part);
    case 'file':
      return withCache(fileBlock(part.file, `${path}.file`), part);
    case 'input_audio':
      throw new Unsupported('Anthropic models do not accept audio input.', path);
  }
}

/** Text parts keep an Anthropic `cache_control` marker when a client sends one. */
function textBlock(part: { text: string }): Block {
  return withCache({ type: 'text', text: part.text }, part);
}

function withCache(block: Block, part: object): Block {
  const cache = (part as { cache_control?: unknown }).cache_control;
  return cache ? { ...block, cache_control: cache } : block;
}

export function imageBlock(url: string, path: string): Block {
  const inline = parseDataUrl(url);
  if (inline) {
    if (!IMAGE_TYPES.has(inline.mediaType)) {
      throw new Unsupported(
        `Anthropic accepts JPEG, PNG, GIF and WebP images, not ${inline.mediaType}.`,
        path,
      );
    }
    return { type: 'image', source: { type: 'base64', media_type: inline.mediaType, data: inline.data } };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw invalidRequest('An image URL must be a base64 data: URL or an http(s) URL.', path);
}

function fileBlock(file: Record<string, unknown>, path: string): Block {
  const inline = typeof file.file_data === 'string' ? parseDataUrl(file.file_data) : undefined;
  if (inline?.mediaType !== 'application/pdf') {
    throw new Unsupported('Anthropic accepts file parts only as PDF data: URLs in file_data.', path);
  }
  return { type: 'document', source: { type: 'base64', media_type: inline.mediaType, data: inline.data } };
}
