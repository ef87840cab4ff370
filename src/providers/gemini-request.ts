// OpenAI chat request → Gemini generateContent body. Pure: no I/O; throws invalidRequest (400) for
// what Gemini cannot honour. The parameter policy is documented in gemini.ts.
import { invalidRequest } from '../errors';
import type { ChatRequest, ContentPart } from '../openai/schemas';
import { sentImages } from './assistant-images';
import { parseDataUrl } from './data-url';
import type { FunctionToolsMessage, FunctionToolsRequest } from './function-tools';
import { emptyLastMessage, lastTurnIndex } from './last-message';
import { forwardParam, NO_EFFECT, paramPolicy } from './params';
import { geminiThinking } from './reasoning-effort';
import { thoughtSignature } from './thought-signature';
import { Unsupported } from './types';

type Part = Record<string, unknown>;
interface Content {
  role: 'user' | 'model';
  parts: Part[];
}

export interface GeminiRequest {
  body: Record<string, unknown>;
  /** parallel_tool_calls:false — only the first function call of a candidate is returned. */
  singleToolCall: boolean;
}

/**
 * Google's documented placeholder for a function call replayed without the signature Gemini 3
 * issued (a client that kept no `extra_content` on its tool calls); older models ignore it.
 */
export const SKIP_SIGNATURE = 'skip_thought_signature_validator';

/** Refused in this order; what is not OpenAI's is forwarded into the Gemini body. */
const PARAMS = paramPolicy({
  refusal: (why) => `Gemini models are not offered ${why} through this gateway.`,
  refuse: {
    logprobs: 'logprobs',
    top_logprobs: 'top_logprobs',
    logit_bias: 'logit_bias',
    modalities: 'output modalities other than text',
    audio: 'audio output',
    functions: 'the deprecated functions parameter (use tools)',
    function_call: 'the deprecated function_call parameter',
    web_search_options: 'web_search_options',
  },
  translate:
    'model messages stream stream_options temperature top_p top_k max_tokens max_completion_tokens stop n seed presence_penalty frequency_penalty tools tool_choice parallel_tool_calls response_format reasoning_effort',
  drop: `user safety_identifier ${NO_EFFECT}`,
});

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

/** `model` (the upstream id) tells the Gemini generation that reasoning_effort maps to. */
export function toGeminiRequest(sent: ChatRequest, safetySettings?: unknown[], model = ''): GeminiRequest {
  const request = PARAMS.refuseUnsupported(sent);
  // reasoning_effort as the thinkingConfig Google maps it to, unless the client sent its own.
  const native = (request as { generationConfig?: { thinkingConfig?: unknown } | null }).generationConfig;
  const thinking = native?.thinkingConfig != null ? undefined : geminiThinking(request, model);
  const { system, contents } = translateMessages(request.messages);
  const body: Record<string, unknown> = { contents };
  if (system.length > 0) body.systemInstruction = { parts: system };
  if (request.tools?.length) {
    body.tools = [
      {
        functionDeclarations: request.tools.map(({ function: fn }) => ({
          name: fn.name,
          ...(fn.description ? { description: fn.description } : {}),
          ...(fn.parameters ? { parametersJsonSchema: fn.parameters } : {}),
        })),
      },
    ];
    const config = functionCallingConfig(request.tool_choice);
    if (config) body.toolConfig = { functionCallingConfig: config };
  }
  if (safetySettings) body.safetySettings = safetySettings;
  const generation = generationConfig(request);

  for (const [key, value] of PARAMS.native(request)) {
    if (key === 'generationConfig' && typeof value === 'object' && !Array.isArray(value)) {
      for (const [field, setting] of Object.entries(value as object)) {
        const instead = SIZED_BY[field];
        if (instead) {
          // The reservation (tokens and cost) is sized from these: set natively, it could not see them.
          throw invalidRequest(
            `'generationConfig.${field}' is not accepted: set '${instead}' instead, which the gateway's limits count.`,
            `generationConfig.${field}`,
          );
        }
        if (field in generation) {
          throw invalidRequest(`'generationConfig.${field}' conflicts with a translated parameter.`, key);
        }
        generation[field] = setting;
      }
    } else if (key === 'safetySettings') {
      body[key] = value; // a client's own replaces the configured settings
    } else {
      forwardParam(body, key, value); // provider-native field (cachedContent, …): Gemini validates it
    }
  }
  if (thinking) generation.thinkingConfig = thinking;
  if (Object.keys(generation).length > 0) body.generationConfig = generation;
  return { body, singleToolCall: request.parallel_tool_calls === false };
}

/** Native fields that size the output, and the OpenAI parameter to use for each. */
const SIZED_BY: Record<string, string> = {
  candidateCount: 'n',
  maxOutputTokens: 'max_completion_tokens',
};

function generationConfig(request: ChatRequest): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  const r = request as Record<string, unknown>;
  if (request.temperature != null) config.temperature = request.temperature;
  if (request.top_p != null) config.topP = request.top_p;
  if (typeof r.top_k === 'number') config.topK = r.top_k;
  const max = request.max_completion_tokens ?? request.max_tokens;
  if (max != null) config.maxOutputTokens = max;
  if (request.stop != null)
    config.stopSequences = typeof request.stop === 'string' ? [request.stop] : request.stop;
  if (request.n != null && request.n !== 1) config.candidateCount = request.n;
  if (request.seed != null) config.seed = request.seed;
  if (request.presence_penalty) config.presencePenalty = request.presence_penalty;
  if (request.frequency_penalty) config.frequencyPenalty = request.frequency_penalty;
  const format = request.response_format;
  if (format?.type === 'json_object' || format?.type === 'json_schema') {
    config.responseMimeType = 'application/json';
    if (format.type === 'json_schema' && format.json_schema.schema) {
      config.responseJsonSchema = format.json_schema.schema;
    }
  }
  return config;
}

function functionCallingConfig(
  choice: FunctionToolsRequest['tool_choice'],
): Record<string, unknown> | undefined {
  if (choice == null) return undefined;
  if (choice === 'auto') return { mode: 'AUTO' };
  if (choice === 'none') return { mode: 'NONE' };
  if (choice === 'required') return { mode: 'ANY' };
  return { mode: 'ANY', allowedFunctionNames: [choice.function.name] };
}

function translateMessages(messages: FunctionToolsMessage[]): { system: Part[]; contents: Content[] } {
  const system: Part[] = [];
  const contents: Content[] = [];
  /** tool_call_id → function name and place among all calls, from the assistant turns so far. */
  const calls = new Map<string, { name: string; place: number }>();
  /** Each functionResponse part's call's place: results go back in the order of their calls. */
  const places = new Map<Part, number>();
  /** Images, audio and files a tool returned beside its text: they follow the results (toolMedia). */
  const media = new Set<Part>();
  let callsSeen = 0;
  const lastTurn = lastTurnIndex(messages); // never left out when empty: see last-message.ts
  const push = (role: Content['role'], parts: Part[]) => {
    const last = contents.at(-1);
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  messages.forEach((message, i) => {
    const path = `messages[${i}]`;
    switch (message.role) {
      case 'system':
      case 'developer':
        if (typeof message.content === 'string') {
          if (message.content) system.push({ text: message.content });
        } else {
          for (const [j, part] of message.content.entries()) {
            if (part.type !== 'text')
              throw invalidRequest('System messages may only contain text.', `${path}.content[${j}]`);
            if (part.text) system.push({ text: part.text });
          }
        }
        break;
      case 'user': {
        // Gemini refuses a part with no data, as an empty text is (OpenAI takes it: an image sent
        // with an empty caption); a message left with nothing is left out, unless it is the last.
        const parts = userParts(message.content, `${path}.content`).filter((p) => p.text !== '');
        if (parts.length === 0 && i === lastTurn) throw emptyLastMessage('Gemini', `${path}.content`);
        if (parts.length > 0) push('user', parts);
        break;
      }
      case 'assistant': {
        const parts = userParts(message.content ?? '', `${path}.content`).filter((p) => p.text !== '');
        if (parts.length === 0 && message.refusal) parts.push({ text: message.refusal });
        // The images the answer made, as the model made them: inlineData parts of its turn, each
        // with the thought signature Gemini 3 Pro Image gave its part (it keeps its reasoning
        // across an edit; without one Google checks nothing for an image).
        for (const image of sentImages(message, path)) {
          const part = mediaPart(image.url, image.path);
          parts.push(image.signature ? { ...part, thoughtSignature: image.signature } : part);
        }
        const signatures = callSignatures(message.tool_calls ?? []);
        for (const [j, call] of (message.tool_calls ?? []).entries()) {
          // Its place among all calls (not within its message): assistant messages in a row merge
          // into one model turn, whose results must follow the order of the whole turn's calls.
          calls.set(call.id, { name: call.function.name, place: callsSeen++ });
          const args = parseArguments(call.function.arguments, `${path}.tool_calls[${j}].function.arguments`);
          const signature = signatures[j];
          parts.push({
            functionCall: { id: call.id, name: call.function.name, args },
            ...(signature ? { thoughtSignature: signature } : {}),
          });
        }
        if (parts.length > 0) push('model', parts);
        break;
      }
      case 'tool': {
        const call = calls.get(message.tool_call_id);
        if (!call) {
          throw invalidRequest(
            `tool_call_id '${message.tool_call_id}' matches no tool call of an earlier assistant message.`,
            `${path}.tool_call_id`,
          );
        }
        const response = toolResponse(message.content);
        const part = { functionResponse: { id: message.tool_call_id, name: call.name, response } };
        places.set(part, call.place);
        const attached = toolMedia(message.content, `${path}.content`, call.name, message.tool_call_id);
        for (const item of attached) media.add(item);
        push('user', [part, ...attached]);
        break;
      }
      case 'function':
        throw new Unsupported(
          'Messages with role "function" are deprecated: use tool messages.',
          `${path}.role`,
        );
    }
  });
  // OpenAI pairs results with calls by id, so a client may send them in any order; Gemini pairs
  // them by id where the model gives ids, and by position where not.
  for (const content of contents) inCallOrder(content.parts, places, media);
  return { system, contents };
}

/**
 * The thought signature each of an answer's calls goes back with: the ones its calls carry
 * (`extra_content.google.thought_signature`, as the answer gave them: Gemini 3 signs the first call
 * of each step, and parallel calls after it come unsigned); when none carries one (a client that
 * kept only OpenAI's fields), Google's placeholder on the first, without which Gemini 3 refuses the
 * turn, though the model reasons worse than with its own signature.
 */
function callSignatures(calls: readonly Record<string, unknown>[]): (string | undefined)[] {
  const carried = calls.map((call) => thoughtSignature(call.extra_content));
  if (carried.some(Boolean)) return carried;
  return calls.map((_, j) => (j === 0 ? SKIP_SIGNATURE : undefined));
}

/**
 * Sorts each run of consecutive functionResponse parts by the place of its call (stable); the
 * media the tools returned, within the run, go after all of its results, in their order.
 */
function inCallOrder(parts: Part[], places: ReadonlyMap<Part, number>, media: ReadonlySet<Part>): void {
  const inRun = (part: Part) => places.has(part) || media.has(part);
  const place = (part: Part) => places.get(part) ?? Number.MAX_SAFE_INTEGER;
  for (let start = 0; start < parts.length; start++) {
    if (!inRun(parts[start] as Part)) continue;
    let end = start;
    while (end < parts.length && inRun(parts[end] as Part)) end++;
    const run = parts.slice(start, end).sort((a, b) => place(a) - place(b));
    parts.splice(start, run.length, ...run);
    start = end;
  }
}

/** A tool's output as the object Gemini wants: a JSON object as is, anything else under `output`. */
function toolResponse(content: string | ContentPart[]): Record<string, unknown> {
  const text =
    typeof content === 'string'
      ? content
      : content.map((part) => (part.type === 'text' ? part.text : '')).join('');
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // plain text output
  }
  return { output: text };
}

/**
 * The images, audio and files of a tool's output (a screenshot tool's), as parts of the user turn
 * beside its functionResponse, which holds only the text: every Gemini model reads them there. They
 * follow all of the turn's results, so a line before them names the call they came from (with two
 * screenshot results, which image is whose).
 */
function toolMedia(content: string | ContentPart[], path: string, name: string, id: string): Part[] {
  if (typeof content === 'string') return [];
  const media = content.flatMap((part, j) =>
    part.type === 'text' || part.type === 'refusal' ? [] : [userPart(part, `${path}[${j}]`)],
  );
  return media.length === 0 ? [] : [{ text: `Returned by the ${name} call ${id}:` }, ...media];
}

function parseArguments(text: string, path: string): Record<string, unknown> {
  try {
    const value: unknown = text.trim() ? JSON.parse(text) : {};
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw invalidRequest('Tool call arguments must be a JSON object.', path);
}

function userParts(content: string | ContentPart[], path: string): Part[] {
  if (typeof content === 'string') return [{ text: content }];
  return content.map((part, j) => userPart(part, `${path}[${j}]`));
}

function userPart(part: ContentPart, at: string): Part {
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
function mediaPart(url: string, path: string): Part {
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
