// OpenAI content parts → Gemini parts: text, and images, audio and files inline (data: URLs) or as
// fileData (http(s) URLs, typed by their extension). Pure; throws invalidRequest (400) for a URL
// that is none, Unsupported for what another provider may take.
import { invalidRequest } from '../errors';
import type { ContentPart } from '../openai/schemas';
import { parseDataUrl } from './data-url';
import { Unsupported } from './types';

/** One part of a Gemini turn or systemInstruction. */
export type Part = Record<string, unknown>;

/** The media types Gemini takes from a URL, by the extension of its path. */
const EXTENSION_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
};

/** A message's content as parts; a string is one text part. */
export function userParts(content: string | ContentPart[], path: string): Part[] {
  if (typeof content === 'string') return [{ text: content }];
  return content.map((part, j) => userPart(part, `${path}[${j}]`));
}

/** One content part as Gemini's; `at` is where it stands in the request, for errors. */
export function userPart(part: ContentPart, at: string): Part {
  switch (part.type) {
    case 'text':
      return { text: part.text };
    case 'refusal':
      return { text: part.refusal };
    case 'image_url':
      return mediaPart(part.image_url.url, `${at}.image_url.url`);
    case 'input_audio':
      return { inlineData: { mimeType: `audio/${part.input_audio.format}`, data: part.input_audio.data } };
    case 'file': {
      const data = part.file.file_data;
      if (typeof data !== 'string' || !data.startsWith('data:')) {
        // A file_id is OpenAI's Files API: an OpenAI target may take it.
        throw new Unsupported('Gemini accepts file parts only as data: URLs in file_data.', `${at}.file`);
      }
      return mediaPart(data, `${at}.file.file_data`);
    }
  }
}

/**
 * data: URLs become inlineData. http(s) URLs become fileData, which Gemini fetches itself; the
 * MIME type comes from the file extension. A Files API URI needs none; any other URL whose type
 * cannot be told is refused rather than sent with a guessed type.
 */
export function mediaPart(url: string, path: string): Part {
  const inline = parseDataUrl(url);
  if (inline) return { inlineData: { mimeType: inline.mediaType, data: inline.data } };
  if (!/^https?:\/\//i.test(url)) {
    throw invalidRequest('A media URL must be a base64 data: URL or an http(s) URL.', path);
  }
  let pathname: string;
  let hostname: string;
  try {
    ({ pathname, hostname } = new URL(url));
  } catch {
    throw invalidRequest('The media URL is not a valid URL.', path);
  }
  const mimeType = EXTENSION_TYPES[/\.([a-z0-9]+)$/i.exec(pathname)?.[1]?.toLowerCase() ?? ''];
  if (mimeType) return { fileData: { mimeType, fileUri: url } };
  if (hostname === 'generativelanguage.googleapis.com') return { fileData: { fileUri: url } };
  // Providers that fetch the URL themselves (OpenAI, Anthropic) need no type: another target may take it.
  throw new Unsupported(
    'Gemini needs the media type of a URL image: use a URL ending in .png, .jpg, .jpeg, .webp, .gif, .heic, .heif or .pdf, or send a base64 data: URL.',
    path,
  );
}
