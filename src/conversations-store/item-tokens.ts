// The tokens the items a client adds to a conversation count against its key's TPM
// (routes/conversation-writes.ts): the estimate a Responses request with them as its input reserves
// for that input (the chat messages they stand for, limits/estimate.ts inputEstimate) — which is
// what they count again each time a response reads the conversation.
import { GatewayError } from '../errors';
import { estimateTextTokens, inputEstimate } from '../limits/estimate';
import { imagesById, item, Turns } from '../openai/responses-input';

type Json = Record<string, unknown>;

/** `items`: checked already (items.ts requestItems); `fileIdTokens`: limits.fileIdTokens. */
export function itemsTokens(items: readonly Json[], fileIdTokens: number): number {
  if (items.length === 0) return 0;
  const messages: Json[] = [];
  const turns = new Turns(messages);
  const translated: Json[] = [];
  let untranslated = 0;
  for (const [index, raw] of items.entries()) {
    try {
      if (raw.type === 'image_generation_call') turns.image(raw.result);
      else turns.add(item(raw, index), index);
      translated.push(raw);
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      // An item no model request could send as it is (reasoning whose packing was altered, an image
      // part with neither url nor file id): kept all the same, so counted as the text it is stored as.
      untranslated += estimateTextTokens(JSON.stringify(raw));
    }
  }
  turns.finish();
  const request = { messages } as unknown as Parameters<typeof inputEstimate>[0];
  // Images by file id of the translated items only: each stands for one of their file parts, which
  // an untranslated item's would otherwise stand for in its place (a file then counted as an image).
  return inputEstimate(request, fileIdTokens, imagesById(translated)).reserved + untranslated;
}
