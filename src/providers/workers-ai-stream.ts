// Workers AI binding streams → OpenAI chunks. The binding sends SSE: classic models send
// `data: {"response":"…"}` tokens, tool calls as `tool_calls` (complete or as OpenAI-style
// deltas), a final `data: {"response":"","usage":{…}}` and `data: [DONE]`; newer models send
// OpenAI chat.completion.chunk objects. Both are translated as they arrive.
import type { EventSourceMessage } from 'eventsource-parser';
import { type FinishReason, OpenAIStreamWriter, translateSSE } from './openai-stream-writer';
import type { Usage } from './types';

interface RawToolCall {
  index?: number;
  id?: string | null;
  name?: string | null;
  arguments?: unknown;
  function?: { name?: string | null; arguments?: unknown };
}

interface StreamEvent {
  response?: unknown;
  tool_calls?: RawToolCall[];
  usage?: Partial<Usage>;
  finish_reason?: string | null;
  choices?: {
    delta?: {
      content?: string | null;
      reasoning_content?: string | null;
      reasoning?: string | null;
      tool_calls?: RawToolCall[];
    };
    finish_reason?: string | null;
  }[];
}

const FINISH: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  content_filter: 'content_filter',
};

export function toUsage(raw: Partial<Usage> | undefined): Usage | undefined {
  if (!raw || typeof raw.prompt_tokens !== 'number') return undefined;
  const completion = raw.completion_tokens ?? 0;
  return {
    prompt_tokens: raw.prompt_tokens,
    completion_tokens: completion,
    total_tokens: raw.total_tokens ?? raw.prompt_tokens + completion,
  };
}

export const argumentsText = (value: unknown): string =>
  typeof value === 'string' ? value : JSON.stringify(value ?? {});

/** A delta's arguments as text; undefined when it carries none (absent, null or empty). */
const deltaArguments = (value: unknown): string | undefined =>
  value === undefined || value === null || value === '' ? undefined : argumentsText(value);

class StreamState {
  private started = false;
  private finished = false;
  private usage?: Usage;
  private finish?: FinishReason;
  private toolCalls = 0;
  private seenToolIndex = new Set<number>();
  sawDone = false;

  constructor(
    private readonly requestId: string,
    private readonly maxTokens: number | undefined,
  ) {}

  private start(writer: OpenAIStreamWriter) {
    if (this.started) return;
    this.started = true;
    writer.role();
  }

  private toolCall(call: RawToolCall, position: number, writer: OpenAIStreamWriter) {
    const fn = call.function ?? { name: call.name, arguments: call.arguments };
    const args = deltaArguments(fn.arguments);
    // Workers AI closes a streamed call with `{id: null, type: null, function: {name: null}}` and
    // no index: it says nothing, and counted by position it would open a second, nameless call.
    if (!call.id && !fn.name && args === undefined) return;
    const index = call.index ?? position;
    const fresh = !this.seenToolIndex.has(index);
    if (fresh) {
      this.seenToolIndex.add(index);
      this.toolCalls++;
      writer.toolCall({
        index,
        id: call.id ?? `call_${this.requestId}_${index}`,
        type: 'function',
        function: { name: fn.name ?? '', arguments: args ?? '' },
      });
    } else if (args !== undefined) {
      writer.toolCall({ index, function: { arguments: args } });
    }
  }

  onEvent({ data }: EventSourceMessage, writer: OpenAIStreamWriter): void {
    if (this.sawDone) return;
    if (data === '[DONE]') {
      this.sawDone = true;
      return;
    }
    let event: StreamEvent;
    try {
      event = JSON.parse(data) as StreamEvent;
    } catch {
      return; // not JSON: nothing we can relay faithfully
    }
    if (typeof event !== 'object' || event === null) return;
    this.start(writer);
    const choice = event.choices?.[0];
    const text = choice ? choice.delta?.content : event.response;
    // Reasoning models in the OpenAI shape stream their reasoning too, as the JSON answer carries it
    // (under either name: some models send it as `reasoning`).
    const reasoning = choice?.delta?.reasoning_content || choice?.delta?.reasoning;
    if (typeof reasoning === 'string' && reasoning) writer.reasoning(reasoning);
    if (typeof text === 'string') writer.text(text);
    const base = this.toolCalls;
    (choice?.delta?.tool_calls ?? event.tool_calls ?? []).forEach((call, i) => {
      this.toolCall(call, base + i, writer);
    });
    const reason = choice?.finish_reason ?? event.finish_reason;
    if (reason) this.finish = FINISH[reason] ?? 'stop';
    this.usage = toUsage(event.usage) ?? this.usage;
  }

  /** Writes finish, usage and [DONE]; false when the stream ended without [DONE] or usage. */
  end(writer: OpenAIStreamWriter): boolean {
    if (this.finished) return true;
    this.finished = true;
    if (!this.sawDone && !this.usage) return false;
    this.start(writer);
    const length = this.maxTokens !== undefined && (this.usage?.completion_tokens ?? 0) >= this.maxTokens;
    writer.finish(this.finish ?? (this.toolCalls > 0 ? 'tool_calls' : length ? 'length' : 'stop'));
    if (this.usage) writer.usage(this.usage);
    writer.done();
    return true;
  }
}

export function translateWorkersAIStream(
  upstream: ReadableStream<Uint8Array>,
  provider: string,
  ids: { id: string; model: string; requestId: string },
  maxTokens: number | undefined,
): ReadableStream<Uint8Array> {
  const state = new StreamState(ids.requestId, maxTokens);
  return translateSSE(
    upstream,
    new OpenAIStreamWriter(ids.id, ids.model),
    (event, writer) => {
      state.onEvent(event, writer);
      // The terminator: finish now rather than waiting for the binding to close the body.
      if (state.sawDone) state.end(writer);
    },
    (writer) => {
      if (!state.end(writer)) {
        writer.error(`${provider} ended the stream before it was complete.`);
      }
    },
  );
}
