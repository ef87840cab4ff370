// Token estimates without shipping a tokenizer: ~4 characters per token for English text with
// BPE tokenizers (cl100k/o200k), plus OpenAI's per-message framing overhead. Measured error is
// within about ±25% for prose and code, worse for CJK (under-counts) — good enough to reserve
// capacity up front, because settle replaces the estimate with the provider's real counts.
import { CHAT_PARAMS, nativeParams } from '../openai/native-params';
import type { ChatMessage, ChatRequest, ContentPart } from '../openai/schemas';
import type { AudioUse } from '../pricing/cost';
import { effortBudget } from '../providers/reasoning-effort';
import type { NativeApi } from '../providers/types';
import { imageTokens, unseenImageTokens } from './image-tokens';

const CHARS_PER_TOKEN = 4;
const PER_MESSAGE_OVERHEAD = 4;
/**
 * Inline audio and files are base64, not text: counted as text they were estimated at a third of a
 * token per byte (a 30-second clip at 325,000 tokens, refused for good by a 200k TPM key). Audio is
 * billed by its length — up to 32 tokens a second (Gemini), and a second of compressed speech is
 * about 16 KB — so a token per 500 bytes; a document by its pages — a PDF page is some tens of KB
 * and ~1,500 tokens of text and image — so a token per 30 bytes.
 */
const AUDIO_BYTES_PER_TOKEN = 500;
const FILE_BYTES_PER_TOKEN = 30;
/**
 * A file sent by `file_id` (OpenAI's Files API) has no size the gateway can see, and the provider
 * bills all of it: counted as its JSON it reserved ~10 tokens, so a budget or TPM key sent a long PDF
 * for next to nothing at admission and was charged it only at settle. An unseen image is reserved as
 * a plausible one (image-tokens.ts); an unseen file likewise — 20 PDF pages at ~1,500 tokens a page
 * (the limits.fileIdTokens default; the worst case, a model's whole context window, would refuse any
 * file to a key with a modest TPM limit).
 */
export const FILE_ID_TOKENS = 30_000;

/** The bytes a base64 string (or a data: URL) holds. */
const base64Bytes = (data: string) => Math.ceil(((data.length - (data.indexOf(',') + 1)) * 3) / 4);

export function estimateTextTokens(text: string): number {
  return tokensOfChars(text.length);
}

/** The tokens `chars` characters of text make, by the same estimate. */
export function tokensOfChars(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

function messageTokens(message: ChatMessage, fileIdTokens: number): number {
  let tokens = PER_MESSAGE_OVERHEAD;
  const content = message.content;
  if (typeof content === 'string') tokens += estimateTextTokens(content);
  else if (Array.isArray(content)) {
    for (const part of content) {
      if (part.type === 'text') tokens += estimateTextTokens(part.text);
      else if (part.type === 'image_url') tokens += imageTokens(part.image_url);
      else if (part.type === 'input_audio' && typeof part.input_audio?.data === 'string')
        tokens += Math.ceil(base64Bytes(part.input_audio.data) / AUDIO_BYTES_PER_TOKEN);
      else if (part.type === 'file' && typeof part.file?.file_data === 'string')
        tokens += Math.ceil(base64Bytes(part.file.file_data) / FILE_BYTES_PER_TOKEN);
      else if (part.type === 'file' && typeof part.file?.file_id === 'string') tokens += fileIdTokens;
      else tokens += estimateTextTokens(JSON.stringify(part));
    }
  }
  if (message.role === 'assistant' && message.tool_calls) {
    tokens += estimateTextTokens(JSON.stringify(message.tool_calls));
  }
  // Every other field goes to the provider too: a `name`, a legacy `function_call`, a
  // `reasoning_content` or thinking blocks sent back, a service's own fields. Left out, a long
  // reasoning trace sent back reserved nothing of what it was billed.
  for (const field in message) {
    if (COUNTED_FIELDS.has(field)) continue;
    const value: unknown = message[field as keyof ChatMessage];
    if (field === 'images' && Array.isArray(value)) tokens += madeImagesTokens(value);
    else if (value != null)
      tokens += estimateTextTokens(typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));
  }
  return tokens;
}

/**
 * An answer's images sent back with it (`images`, src/providers/output-images.ts: a client that
 * keeps the whole message): each as the image it is. Read as text, one image's base64 was some
 * 400,000 tokens, and the conversation after an image model's answer was refused by a TPM limit.
 */
function madeImagesTokens(images: unknown[]): number {
  let tokens = 0;
  for (const image of images) {
    const url = (image as { image_url?: { url?: unknown } } | null)?.image_url?.url;
    tokens +=
      typeof url === 'string' ? imageTokens({ url }) : estimateTextTokens(JSON.stringify(image) ?? '');
  }
  return tokens;
}

/** The message fields counted on their own above (the role is the framing's). */
const COUNTED_FIELDS = new Set(['role', 'content', 'tool_calls']);

/**
 * Whether a request may be charged audio rates (src/pricing/cost.ts): audio in its prompt — an
 * `input_audio` part, a file or image part that is audio or video (as Gemini takes them), or an
 * earlier spoken answer it refers to — or an answer asked for in audio.
 */
export function audioUseOf(
  request: Pick<ChatRequest, 'messages'> & { modalities?: unknown; audio?: unknown },
): AudioUse {
  const input = request.messages.some(
    (message) =>
      (Array.isArray(message.content) && message.content.some(carriesAudio)) ||
      (message.role === 'assistant' && 'audio' in message && message.audio != null),
  );
  const output =
    (Array.isArray(request.modalities) && request.modalities.includes('audio')) || request.audio != null;
  return { input, output };
}

const AUDIO_OR_VIDEO = /^data:(?:audio|video)\//i;

function carriesAudio(part: ContentPart): boolean {
  if (part.type === 'input_audio') return true;
  if (part.type === 'file') return AUDIO_OR_VIDEO.test(String(part.file?.file_data ?? ''));
  if (part.type === 'image_url') return AUDIO_OR_VIDEO.test(part.image_url.url);
  return false;
}

/** The files a request sends by `file_id` (each reserved as limits.fileIdTokens, their size unseen). */
export function filesById(request: Pick<ChatRequest, 'messages'>): number {
  let files = 0;
  for (const { content } of request.messages) {
    if (!Array.isArray(content)) continue;
    for (const part of content)
      if (
        part.type === 'file' &&
        typeof part.file?.file_id === 'string' &&
        typeof part.file.file_data !== 'string'
      )
        files++;
  }
  return files;
}

/**
 * A request's input estimate: `seen`, what its prompt is seen to hold (what guardrails' and
 * routing rules' token limits judge), and `reserved`, that and an allowance of `fileIdTokens`
 * (limits.fileIdTokens) for each file sent by `file_id`, whose size the gateway cannot see.
 * `imagesById`: the `detail` of each image among those files — a Responses `input_image` by
 * file_id, which its chat body can carry only as a file part (responses-input.ts, imagesById) —
 * seen as an image of unknown size (765 tokens, 85 at low detail), as a remote one is, not
 * reserved as a file (30,000 by default).
 */
export function inputEstimate(
  request: Pick<ChatRequest, 'messages' | 'tools' | 'response_format'>,
  fileIdTokens: number,
  imagesById: readonly (string | null | undefined)[] = [],
): { seen: number; reserved: number } {
  let images = 0;
  for (const detail of imagesById) images += unseenImageTokens(detail);
  const seen = estimateInputTokens(request, 0) + images;
  const files = Math.max(0, filesById(request) - imagesById.length);
  return { seen, reserved: seen + files * fileIdTokens };
}

/** `fileIdTokens`: what each file sent by `file_id` counts (limits.fileIdTokens). */
export function estimateInputTokens(
  request: Pick<ChatRequest, 'messages' | 'tools' | 'response_format'>,
  fileIdTokens = FILE_ID_TOKENS,
): number {
  let tokens = 3;
  for (const message of request.messages) tokens += messageTokens(message, fileIdTokens);
  if (request.tools) tokens += estimateTextTokens(JSON.stringify(request.tools));
  // A structured output's schema goes into the prompt as tools do (a 300-property one is thousands
  // of tokens: left out, a budget reserved a fraction of what such a request was billed).
  const format = request.response_format;
  if (format?.type === 'json_schema') tokens += estimateTextTokens(JSON.stringify(format.json_schema));
  // Parameters the gateway does not know go to the provider as its own (Anthropic's `system`,
  // Cohere's `documents`…): prompt too, counted as tools are.
  const native = nativeParams(request, CHAT_PARAMS);
  if (native.length > 0) tokens += estimateTextTokens(JSON.stringify(Object.fromEntries(native)));
  return tokens;
}

/**
 * The most output tokens a request can produce, for reservations; `fallback` when it sets no cap,
 * plus its thinking budget (native `thinking`, or `reasoning_effort`), which the Anthropic and
 * Bedrock adapters add to their default then.
 */
export function maxOutputTokens(
  request: Pick<ChatRequest, 'max_tokens' | 'max_completion_tokens' | 'n'>,
  fallback: number,
): number {
  // Both given: a service may honour either (an OpenAI-compatible one often only max_tokens), so the
  // larger is what the answer may reach.
  const own =
    request.max_completion_tokens != null && request.max_tokens != null
      ? Math.max(request.max_completion_tokens, request.max_tokens)
      : (request.max_completion_tokens ?? request.max_tokens);
  const cap = own ?? fallback + (reservedThinking(request) ?? 0);
  return cap * (request.n ?? 1);
}

/**
 * The field that caps the output on the API the client used (`api`: the one its chat body was
 * translated from), which a refusal asks to lower: on chat, the one that set the larger cap
 * (maxOutputTokens reserves by it), max_tokens when neither did.
 */
export function outputCapField(
  request: Pick<ChatRequest, 'max_tokens' | 'max_completion_tokens'>,
  api: NativeApi | undefined,
): OutputCapField {
  if (api === 'responses') return 'max_output_tokens';
  if (api === 'messages') return 'max_tokens';
  const completion = request.max_completion_tokens;
  return completion != null && !(request.max_tokens != null && request.max_tokens > completion)
    ? 'max_completion_tokens'
    : 'max_tokens';
}

export type OutputCapField = 'max_tokens' | 'max_completion_tokens' | 'max_output_tokens';

/**
 * The output cap the gateway sends for a request that sets none, with `limits.enforceMaxTokens`:
 * what its reservation counted per choice (`fallback`, plus a thinking budget). Undefined
 * when the request sets its own, or the gateway is not to.
 */
export function outputCapOf(
  request: Pick<ChatRequest, 'max_tokens' | 'max_completion_tokens'>,
  fallback: number,
  enforce: boolean,
): number | undefined {
  if (!enforce || request.max_completion_tokens != null || request.max_tokens != null) return undefined;
  return fallback + (reservedThinking(request) ?? 0);
}

/**
 * The thinking tokens a request may spend beyond an answer: the budget of a native `thinking` when
 * it is enabled — Anthropic's budget_tokens, Cohere's token_budget (0 without one; undefined for
 * another native `thinking`, which wins) —, else what its `reasoning_effort` may buy on any provider
 * (providers/reasoning-effort.ts: Claude's default max_tokens grows by it, Gemini 2.5 and Command A
 * Reasoning think up to it).
 */
export function thinkingBudget(request: object): number | undefined {
  const thinking = (
    request as { thinking?: { type?: unknown; budget_tokens?: unknown; token_budget?: unknown } | null }
  ).thinking;
  if (thinking == null) return effortBudget(request);
  if (thinking.type !== 'enabled') return undefined;
  const budget = thinking.budget_tokens ?? thinking.token_budget;
  return typeof budget === 'number' && Number.isFinite(budget) && budget > 0 ? budget : 0;
}

/** The thinking a reservation counts: thinkingBudget's, with Gemini's native budget before an effort's. */
function reservedThinking(request: object): number | undefined {
  if ((request as { thinking?: unknown }).thinking == null) {
    const gemini = geminiBudget(request);
    if (gemini !== undefined) return gemini;
  }
  return thinkingBudget(request);
}

/**
 * Gemini's native thinking budget (`generationConfig.thinkingConfig.thinkingBudget`, which wins over
 * reasoning_effort at the Gemini adapter); undefined when none is set or it is dynamic (-1).
 */
function geminiBudget(request: object): number | undefined {
  const config = (request as { generationConfig?: { thinkingConfig?: { thinkingBudget?: unknown } } })
    .generationConfig;
  const budget = config?.thinkingConfig?.thinkingBudget;
  return typeof budget === 'number' && Number.isFinite(budget) && budget > 0 ? budget : undefined;
}
