// Gemini generateContent answers → OpenAI: the JSON completion, the SSE stream (incrementally) and
// safety blocks; its error bodies are gemini-errors.ts'.
import type { EventSourceMessage } from 'eventsource-parser';
import * as z from 'zod';
import { hex } from '../bytes';
import { assistantChoice, chatCompletion } from './chat-completion';
import { errorSchema, geminiError } from './gemini-errors';
import { type GeminiUsage, toUsage, usageSchema } from './gemini-usage';
import {
  type FinishReason,
  type OpenAIStreamWriter,
  parseEventData,
  translateSSE,
} from './openai-stream-writer';
import { imagesField, type OutputImage, outputImage } from './output-images';
import { signedExtra } from './thought-signature';
import { type ChatCompletion, UpstreamError } from './types';

const partSchema = z.looseObject({
  text: z.string().optional(),
  thought: z.boolean().optional(),
  /**
   * An image the model made (an image model's answer): relayed as `images` (imageOf), and it sets
   * the rate of its output (toUsage).
   */
  inlineData: z.looseObject({ mimeType: z.string().optional(), data: z.string().optional() }).optional(),
  /**
   * Gemini 3 signs a step's first function call, and Gemini 3 Pro Image its image parts: the
   * signature goes with the tool call or the image (thought-signature.ts).
   */
  thoughtSignature: z.string().optional(),
  functionCall: z
    .looseObject({
      /** Gemini 3 ids each call and pairs its result by that id: it is the client's tool call id. */
      id: z.string().min(1).optional(),
      name: z.string(),
      args: z.record(z.string(), z.unknown()).nullish(),
    })
    .optional(),
});
const candidateSchema = z.looseObject({
  index: z.number().int().optional(),
  content: z.looseObject({ parts: z.array(partSchema).optional() }).optional(),
  finishReason: z.string().optional(),
});
export const responseSchema = z.looseObject({
  candidates: z.array(candidateSchema).optional(),
  promptFeedback: z
    .looseObject({ blockReason: z.string().optional(), blockReasonMessage: z.string().optional() })
    .optional(),
  usageMetadata: usageSchema.optional(),
  error: errorSchema.optional(),
});
type GeminiResponse = z.infer<typeof responseSchema>;
type GeminiCandidate = z.infer<typeof candidateSchema>;
type GeminiPart = z.infer<typeof partSchema>;

/** A prompt Gemini refused to answer at all: the caller's content, so a 400 with code content_filter. */
export function blockedPrompt(provider: string, response: GeminiResponse): UpstreamError | undefined {
  const feedback = response.promptFeedback;
  if (!feedback?.blockReason || (response.candidates?.length ?? 0) > 0) return undefined;
  const detail = feedback.blockReasonMessage ? `: ${feedback.blockReasonMessage}` : '';
  return new UpstreamError(
    'caller',
    400,
    `${provider} blocked the prompt (${feedback.blockReason})${detail}.`,
    { code: 'content_filter', type: 'invalid_request_error' },
  );
}

const FILTERED = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

/** Finish reasons of a tool call or answer the model failed to form: an attempt that failed, when no call came. */
const MALFORMED = new Set([
  'MALFORMED_FUNCTION_CALL',
  'UNEXPECTED_TOOL_CALL',
  'TOO_MANY_TOOL_CALLS',
  'MISSING_THOUGHT_SIGNATURE',
  'MALFORMED_RESPONSE',
]);

function malformed(
  provider: string,
  reason: string | undefined,
  calledTool: boolean,
): UpstreamError | undefined {
  if (calledTool || !reason || !MALFORMED.has(reason)) return undefined;
  return new UpstreamError('server', 200, `${provider} could not form a valid answer (${reason}).`);
}

function finishReason(reason: string | undefined, calledTool: boolean): FinishReason {
  if (reason === 'MAX_TOKENS') return 'length';
  if (reason && FILTERED.has(reason)) return 'content_filter';
  return calledTool ? 'tool_calls' : 'stop'; // STOP, OTHER, MALFORMED_FUNCTION_CALL…
}

/** Whether any candidate of a response holds an image the model made (a draft among its thoughts too). */
function holdsImage(response: GeminiResponse): boolean {
  return (response.candidates ?? []).some(
    (candidate) =>
      candidate.content?.parts?.some((part) => part.inlineData?.mimeType?.startsWith('image/')) ?? false,
  );
}

/**
 * The image a part holds for the client, if any. Thought parts are not (Gemini 3 Pro Image's drafts
 * on the way to its answer are among its thoughts, as its reasoning text is), nor other inline data.
 */
function imageOf(part: GeminiPart): OutputImage | undefined {
  const mimeType = part.inlineData?.mimeType?.toLowerCase();
  const data = part.inlineData?.data;
  if (part.thought || !mimeType?.startsWith('image/') || !data) return undefined;
  return outputImage(mimeType, data, part.thoughtSignature);
}

export function toolCallId(): string {
  return `call_${hex(crypto.getRandomValues(new Uint8Array(12)))}`;
}

export function toCompletion(
  provider: string,
  response: GeminiResponse,
  ids: { id: string; model: string },
  singleToolCall: boolean,
): ChatCompletion {
  const blocked = blockedPrompt(provider, response);
  if (blocked) throw blocked;
  const candidates = response.candidates ?? [];
  if (candidates.length === 0)
    throw new UpstreamError('server', 200, `${provider} answered without candidates.`);
  const choices = candidates.map((candidate, i) => {
    let text = '';
    const toolCalls: unknown[] = [];
    const images: OutputImage[] = [];
    for (const part of candidate.content?.parts ?? []) {
      if (part.thought) continue;
      if (part.text) text += part.text;
      const image = imageOf(part);
      if (image) images.push(image);
      if (part.functionCall && !(singleToolCall && toolCalls.length > 0)) {
        toolCalls.push({
          id: part.functionCall.id ?? toolCallId(),
          type: 'function',
          function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) },
          ...signedExtra(part.thoughtSignature),
        });
      }
    }
    const failed = malformed(provider, candidate.finishReason, toolCalls.length > 0);
    if (failed) throw failed;
    const finish = finishReason(candidate.finishReason, toolCalls.length > 0);
    const choice = assistantChoice(text || null, toolCalls, finish, candidate.index ?? i);
    Object.assign(choice.message, imagesField(images));
    return choice;
  });
  const usage = response.usageMetadata ? toUsage(response.usageMetadata, holdsImage(response)) : undefined;
  return chatCompletion(ids, choices, usage);
}

/** Whether a candidate's parts hold text, an image or a function call to relay (thoughts are not). */
function saysSomething(candidate: GeminiCandidate): boolean {
  return (
    candidate.content?.parts?.some(
      (part) => !part.thought && (part.text || part.functionCall || imageOf(part)),
    ) ?? false
  );
}

interface ChoiceState {
  tools: number;
  finished: boolean;
}

/** Gemini SSE (one GenerateContentResponse per event, no terminator) → OpenAI chunks. */
export function translateStream(
  provider: string,
  upstream: ReadableStream<Uint8Array>,
  writer: OpenAIStreamWriter,
  singleToolCall: boolean,
): ReadableStream<Uint8Array> {
  const choices = new Map<number, ChoiceState>();
  let usage: GeminiUsage | undefined;
  let madeImage = false;
  let failed = false;

  const fail = (error: UpstreamError) => {
    // Nothing sent yet: fail the attempt, so the router can still fail over (or answer 400).
    if (choices.size === 0) throw error;
    // The usage so far first: nothing after an error frame is read, and the request is settled on it.
    if (usage) writer.usage(toUsage(usage, madeImage));
    // A rate limit keeps the code clients and the relay know it by (not the RPC status).
    const code = error.failure === 'rate_limit' ? 'rate_limit_exceeded' : error.options.code;
    writer.error(error.message, code ?? 'upstream_error');
    failed = true;
  };

  const onEvent = ({ data }: EventSourceMessage) => {
    if (failed) return;
    const chunk = parseEventData(responseSchema, data);
    if (!chunk) return; // not a Gemini chunk: ignored
    if (chunk.error) return fail(geminiError(provider, chunk.error));
    const blocked = blockedPrompt(provider, chunk);
    if (blocked) return fail(blocked);
    if (chunk.usageMetadata) usage = chunk.usageMetadata;
    if (holdsImage(chunk)) madeImage = true;
    for (const [i, candidate] of (chunk.candidates ?? []).entries()) {
      const index = candidate.index ?? i;
      let state = choices.get(index);
      // Thought parts are not relayed: until something is said, the role waits too, so an error
      // after a first chunk of thoughts alone still fails the attempt (and can fail over).
      if (choices.size === 0 && !candidate.finishReason && !saysSomething(candidate)) continue;
      // Failed before anything was written (the usual malformed call: a finishReason, no parts):
      // the attempt fails, so the router can retry or fail over.
      if (!state && choices.size === 0) {
        const called = candidate.content?.parts?.some((part) => part.functionCall) ?? false;
        const failed = malformed(provider, candidate.finishReason, called);
        if (failed) return fail(failed);
      }
      if (!state) {
        state = { tools: 0, finished: false };
        choices.set(index, state);
        writer.role(index);
      }
      for (const part of candidate.content?.parts ?? []) {
        if (part.thought) continue;
        if (part.text) writer.text(part.text, index);
        const image = imageOf(part);
        if (image) writer.images([image], index);
        if (part.functionCall && !(singleToolCall && state.tools > 0)) {
          const call = state.tools++;
          const { id, name, args } = part.functionCall;
          // The signature on the delta that starts the call, where Google's compatible API streams it.
          writer.toolCall(
            {
              index: call,
              id: id ?? toolCallId(),
              type: 'function',
              function: { name, arguments: '' },
              ...signedExtra(part.thoughtSignature),
            },
            index,
          );
          writer.toolCall({ index: call, function: { arguments: JSON.stringify(args ?? {}) } }, index);
        }
      }
      if (candidate.finishReason && !state.finished) {
        const failed = malformed(provider, candidate.finishReason, state.tools > 0);
        if (failed) return fail(failed);
        state.finished = true;
        writer.finish(finishReason(candidate.finishReason, state.tools > 0), index);
      }
    }
  };

  return translateSSE(upstream, writer, onEvent, () => {
    if (choices.size === 0) return; // nothing arrived: an empty stream, which the router reports
    if (usage && !failed) writer.usage(toUsage(usage, madeImage));
    // Closed before every candidate had its finishReason: the answer was cut short. An error event
    // (after the usage: nothing after it is read), never a made-up finish that a cache would keep.
    const cutShort = [...choices.values()].some((state) => !state.finished);
    if (!failed && cutShort) writer.cutShort();
    writer.done();
  });
}
