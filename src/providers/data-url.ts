// Splits `data:<mime>;base64,<bytes>` URLs, the inline form of images and files in OpenAI requests.

/** The media type (lower-cased) and base64 payload of a data: URL; anything else is undefined. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  const match = /^data:([\w.+-]+\/[\w.+-]+)(?:;[^,;]*)*;base64,/i.exec(url);
  return match ? { mediaType: match[1]!.toLowerCase(), data: url.slice(match[0].length) } : undefined;
}
