// Builds the chat.completion a stream amounted to from its chunks, so a streamed answer can be
// cached once and replayed either way. Pure.

import { isRecord } from '../json-record';
import type { ChatCompletion, Usage } from '../providers/types';
import { otherCallFields, ToolCallBuilder, type ToolCallDelta } from './assemble-tool-calls';

interface ChunkChoice {
  index?: number;
  delta?: {
    role?: string;
    content?: string | null;
    refusal?: string | null;
    tool_calls?: ToolCallDelta[];
    reasoning_content?: string | null;
    thinking_blocks?: unknown[];
    function_call?: { name?: string; arguments?: string };
    annotations?: unknown[];
    audio?: Record<string, unknown>;
    [other: string]: unknown;
  };
  logprobs?: { content?: unknown[] | null; refusal?: unknown[] | null } | null;
  finish_reason?: string | null;
}

interface Chunk {
  id?: string;
  created?: number;
  model?: string;
  system_fingerprint?: string | null;
  service_tier?: string | null;
  /** Bedrock's model-specific response fields, on the chunk that finishes its answer. */
  additionalModelResponseFields?: unknown;
  /** The stop sequence Claude stopped on (the gateway's extension field, anthropic-response.ts), there too. */
  stop_sequence?: unknown;
  choices?: ChunkChoice[];
}

interface Building {
  role: string;
  content: string | null;
  refusal: string | null;
  tools: ToolCallBuilder;
  logprobs: { content: unknown[]; refusal: unknown[] } | null;
  finish: string | null;
  reasoning: string | null;
  thinking: unknown[];
  /** The deprecated single function call (`functions`), streamed like a tool call. */
  functionCall: { name: string; arguments: string } | null;
  annotations: unknown[];
  /** Audio output, joined (never stored: eligibility.ts; kept so that the check sees it). */
  audio: Record<string, unknown> | null;
  /**
   * Delta fields not named above (OpenRouter's `reasoning` and `reasoning_details`…), as other
   * providers stream them: text joined, arrays concatenated, anything else the last value sent.
   */
  other: Map<string, unknown>;
}

/** The delta fields `Building` has a place of its own for. */
const KNOWN_DELTA = new Set([
  'role',
  'content',
  'refusal',
  'tool_calls',
  'reasoning_content',
  'thinking_blocks',
  'function_call',
  'annotations',
  'audio',
]);

/** The completion, or undefined when the chunks are not a well-formed OpenAI stream. */
export function assembleCompletion(frames: readonly string[], usage?: Usage): ChatCompletion | undefined {
  const assembler = new StreamAssembler();
  for (const frame of frames) if (!assembler.add(frame)) return undefined;
  return assembler.completion(usage);
}

/**
 * Builds the completion as the stream's chunks arrive, so that what is held is the answer, not its
 * frames (which repeat each chunk's id, model and framing: some fifty times the answer's size).
 */
export class StreamAssembler {
  private head: Chunk | undefined;
  private readonly choices = new Map<number, Building>();
  /** Top-level fields of the answer that come on a later chunk than the head. */
  private fields: { additionalModelResponseFields?: Record<string, unknown>; stop_sequence?: string } = {};
  private broken = false;
  /** Characters of text built so far: past `limit`, the answer is too large to keep (or store). */
  private size = 0;

  constructor(private readonly limit = Number.POSITIVE_INFINITY) {}

  /** Adds one chunk's data; false once the stream is not a well-formed OpenAI stream, or too large. */
  add(frame: string): boolean {
    if (this.broken) return false;
    let chunk: Chunk;
    try {
      chunk = JSON.parse(frame) as Chunk;
    } catch {
      this.broken = true;
      return false;
    }
    if (!Array.isArray(chunk.choices)) {
      this.broken = true;
      return false;
    }
    // The first chunk that names the completion: Azure opens with a prompt-filter chunk whose id,
    // model and created are empty.
    if (chunk.id) this.head ??= chunk;
    let text = 0;
    let extras = false;
    if (isRecord(chunk.additionalModelResponseFields)) {
      this.fields.additionalModelResponseFields = chunk.additionalModelResponseFields;
      extras = true;
    }
    if (typeof chunk.stop_sequence === 'string') this.fields.stop_sequence = chunk.stop_sequence;
    for (const choice of chunk.choices) {
      const other = otherFields(choice.delta ?? {});
      text += textIn(choice, other);
      extras ||= hasExtras(choice, other);
      addChoice(this.choices, choice, other);
    }
    // Logprobs, thinking blocks, annotations and response fields are kept whole and can far
    // outweigh the text (20 top_logprobs a token): such a chunk counts at its full size.
    this.size += extras ? frame.length : text;
    if (this.size > this.limit) {
      this.broken = true;
      this.choices.clear();
      this.fields = {};
      return false;
    }
    return true;
  }

  completion(usage?: Usage): ChatCompletion | undefined {
    if (this.broken) return undefined;
    const completion = completionOf(this.head, this.choices, usage);
    return completion && { ...completion, ...this.fields };
  }
}

function completionOf(
  head: Chunk | undefined,
  choices: Map<number, Building>,
  usage: Usage | undefined,
): ChatCompletion | undefined {
  if (!head?.id || typeof head.created !== 'number' || typeof head.model !== 'string') return undefined;
  if (choices.size === 0) return undefined;
  const completion: ChatCompletion = {
    id: head.id,
    object: 'chat.completion',
    created: head.created,
    model: head.model,
    choices: [...choices.entries()].sort(([a], [b]) => a - b).map(([index, b]) => finish(index, b)),
  };
  if (typeof head.system_fingerprint === 'string') completion.system_fingerprint = head.system_fingerprint;
  if (typeof head.service_tier === 'string') completion.service_tier = head.service_tier;
  if (usage) completion.usage = usage;
  return completion;
}

/**
 * `other`: the delta's fields that `Building` keeps in `other` (otherFields). A tool call's own
 * fields (a thought signature, some kilobytes) count too: they are not text `textIn` sees.
 */
function hasExtras(choice: ChunkChoice, other: [string, unknown][]): boolean {
  const delta = choice.delta ?? {};
  if (choice.logprobs != null || Array.isArray(delta.thinking_blocks) || Array.isArray(delta.annotations))
    return true;
  if (delta.tool_calls?.some((call) => otherCallFields(call).length > 0)) return true;
  return other.some(([, value]) => typeof value === 'object' && value !== null);
}

/** The delta's fields that `Building` keeps in `other`; read once per choice of a chunk. */
function otherFields(delta: NonNullable<ChunkChoice['delta']>): [string, unknown][] {
  return Object.entries(delta).filter(([name]) => !KNOWN_DELTA.has(name));
}

/** The text a chunk's choice adds to the answer. */
function textIn(choice: ChunkChoice, other: [string, unknown][]): number {
  const delta = choice.delta ?? {};
  let chars =
    (delta.content?.length ?? 0) + (delta.refusal?.length ?? 0) + (delta.reasoning_content?.length ?? 0);
  chars += delta.function_call?.arguments?.length ?? 0;
  for (const call of delta.tool_calls ?? [])
    chars += (call.function?.arguments?.length ?? 0) + (call.custom?.input?.length ?? 0);
  for (const [, value] of other) if (typeof value === 'string') chars += value.length;
  return chars;
}

function addChoice(choices: Map<number, Building>, choice: ChunkChoice, other: [string, unknown][]): void {
  const index = choice.index ?? 0;
  let b = choices.get(index);
  if (!b) {
    b = {
      role: 'assistant',
      content: null,
      refusal: null,
      tools: new ToolCallBuilder(),
      logprobs: null,
      finish: null,
      reasoning: null,
      thinking: [],
      functionCall: null,
      annotations: [],
      audio: null,
      other: new Map(),
    };
    choices.set(index, b);
  }
  const delta = choice.delta ?? {};
  if (delta.role) b.role = delta.role;
  if (typeof delta.content === 'string') b.content = (b.content ?? '') + delta.content;
  if (typeof delta.refusal === 'string') b.refusal = (b.refusal ?? '') + delta.refusal;
  if (typeof delta.reasoning_content === 'string')
    b.reasoning = (b.reasoning ?? '') + delta.reasoning_content;
  if (Array.isArray(delta.thinking_blocks)) b.thinking.push(...delta.thinking_blocks);
  if (Array.isArray(delta.annotations)) b.annotations.push(...delta.annotations);
  if (delta.function_call) {
    b.functionCall ??= { name: '', arguments: '' };
    // Named once, in the first fragment; a service that names every fragment is not joined twice.
    b.functionCall.name ||= delta.function_call.name ?? '';
    b.functionCall.arguments += delta.function_call.arguments ?? '';
  }
  if (delta.audio && typeof delta.audio === 'object') b.audio = { ...b.audio, ...delta.audio };
  for (const [name, value] of other) b.other.set(name, joined(b.other.get(name), value));
  for (const call of delta.tool_calls ?? []) b.tools.add(call);
  if (choice.logprobs) {
    b.logprobs ??= { content: [], refusal: [] };
    b.logprobs.content.push(...(choice.logprobs.content ?? []));
    b.logprobs.refusal.push(...(choice.logprobs.refusal ?? []));
  }
  if (choice.finish_reason) b.finish = choice.finish_reason;
}

/** A field the gateway does not know, with one more chunk's value of it. */
function joined(held: unknown, value: unknown): unknown {
  if (typeof value === 'string') return typeof held === 'string' ? held + value : value;
  if (!Array.isArray(value)) return value ?? held; // a later null does not undo what came
  if (!Array.isArray(held)) return [...value];
  held.push(...value);
  return held;
}

function finish(index: number, b: Building) {
  const tools = b.tools.finished();
  return {
    index,
    message: {
      role: b.role,
      content: b.content ?? (tools.length > 0 ? null : ''),
      refusal: b.refusal,
      ...(tools.length > 0 ? { tool_calls: tools } : {}),
      // Reasoning as the provider streamed it, so a replay can be sent back in a tool loop.
      ...(b.reasoning !== null ? { reasoning_content: b.reasoning } : {}),
      ...(b.thinking.length > 0 ? { thinking_blocks: b.thinking } : {}),
      ...(b.functionCall ? { function_call: b.functionCall } : {}),
      ...(b.annotations.length > 0 ? { annotations: b.annotations } : {}),
      ...(b.audio ? { audio: b.audio } : {}),
      ...Object.fromEntries(b.other),
    },
    logprobs: b.logprobs,
    finish_reason: b.finish,
  };
}
