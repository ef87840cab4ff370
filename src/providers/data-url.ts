// Splits `data:<mime>;base64,<bytes>` URLs, the inline form of images and files in OpenAI requests.

/** Media types clients commonly write that providers only accept under their registered name. */
const ALIASES: Record<string, string> = { 'image/jpg': 'image/jpeg', 'image/pjpeg': 'image/jpeg' };

/** The media type (lower-cased, `image/jpg` as `image/jpeg`) and base64 payload of a data: URL; anything else is undefined. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  const match = /^data:([\w.+-]+\/[\w.+-]+)(?:;[^,;]*)*;base64,/i.exec(url);
  if (!match) return undefined;
  const type = match[1]!.toLowerCase();
  return { mediaType: ALIASES[type] ?? type, data: url.slice(match[0].length) };
}
