// Cohere Chat v2 answers → OpenAI: the JSON response, and the SSE stream (message-start,
// content-delta, tool-plan-delta, tool-call-start/delta/end, message-end) translated as it comes.
// Usage is Cohere's billed units (what the account is charged), else its raw token counts.
import type { EventSourceMessage } from 'eventsource-parser';
import * as z from 'zod';
import { assistantChoice, chatCompletion } from './chat-completion';
import { type FinishReason, OpenAIStreamWriter, parseEventData, translateSSE } from './openai-stream-writer';
import { type ChatCompletion, UpstreamError, type Usage } from './types';
import { parseAnswer } from './upstream-error';

const counts = z.looseObject({ input_tokens: z.number().optional(), output_tokens: z.number().optional() });
const usageSchema = z.looseObject({ billed_units: counts.optional(), tokens: counts.optional() });
const toolCallSchema = z.looseObject({
  id: z.string().optional(),
  function: z.looseObject({ name: z.string().optional(), arguments: z.string().optional() }).optional(),
});

const chatResponse = z.looseObject({
  finish_reason: z.string(),
  message: z.looseObject({
    content: z.array(z.looseObject({ type: z.string(), text: z.string().optional() })).nullish(),
    tool_plan: z.string().nullish(),
    tool_calls: z.array(toolCallSchema).nullish(),
  }),
  usage: usageSchema.optional(),
});

const FINISH: Record<string, FinishReason> = {
  COMPLETE: 'stop',
  STOP_SEQUENCE: 'stop',
  MAX_TOKENS: 'length',
  TOOL_CALL: 'tool_calls',
};

/** ERROR and TIMEOUT are failures, not ways of finishing. */
function failedFinish(provider: string, reason: string): UpstreamError | undefined {
  if (reason === 'TIMEOUT')
    return new UpstreamError('timeout', 200, `${provider} timed out generating the answer.`);
  if (reason === 'ERROR')
    return new UpstreamError('server', 200, `${provider} failed while generating the answer.`);
  return undefined;
}

export function toUsage(raw: z.infer<typeof usageSchema> | undefined): Usage | undefined {
  const source = raw?.billed_units?.input_tokens !== undefined ? raw.billed_units : raw?.tokens;
  if (!source) return undefined;
  const prompt = source.input_tokens ?? 0;
  const completion = source.output_tokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

export function toCompletion(provider: string, raw: string, id: string, model: string): ChatCompletion {
  const parsed = parseAnswer(provider, raw, chatResponse);
  const failed = failedFinish(provider, parsed.finish_reason);
  if (failed) throw failed;
  const { message } = parsed;
  const text = (message.content ?? [])
    .map((part) => (part.type === 'text' ? (part.text ?? '') : ''))
    .join('');
  const toolCalls = (message.tool_calls ?? []).map((call, i) => ({
    id: call.id ?? `call_${id}_${i}`,
    type: 'function' as const,
    // A tool called without arguments: "{}", never "" (which clients' JSON.parse refuses).
    function: { name: call.function?.name ?? '', arguments: call.function?.arguments || '{}' },
  }));
  const content = text || (toolCalls.length ? message.tool_plan || null : '');
  const choice = assistantChoice(content, toolCalls, FINISH[parsed.finish_reason] ?? 'stop');
  return chatCompletion({ id, model }, [choice], toUsage(parsed.usage));
}

const streamEvent = z.looseObject({
  type: z.string().optional(),
  index: z.number().optional(),
  delta: z
    .looseObject({
      message: z
        .looseObject({
          content: z.looseObject({ type: z.string().optional(), text: z.string().optional() }).optional(),
          tool_plan: z.string().optional(),
          tool_calls: toolCallSchema.optional(),
        })
        .optional(),
      finish_reason: z.string().optional(),
      usage: usageSchema.optional(),
    })
    .optional(),
});

class CohereStreamState {
  private toolIndex = new Map<number, number>();
  /** Our indices of the tool calls whose arguments have begun: the others get "{}" at their end. */
  private argued = new Set<number>();
  /** Content blocks holding reasoning ("thinking"), whose deltas are not relayed. */
  private thinking = new Set<number>();
  private started = false;
  finished = false;

  constructor(private readonly provider: string) {}

  /**
   * The role goes out with the first output, not at message-start: a stream that fails before any
   * (an ERROR or TIMEOUT finish) still fails the attempt, so the router can fail over.
   */
  private start(writer: OpenAIStreamWriter): void {
    if (this.started) return;
    this.started = true;
    writer.role();
  }

  onEvent({ event: name, data }: EventSourceMessage, writer: OpenAIStreamWriter): void {
    if (this.finished) return;
    const event = parseEventData(streamEvent, data);
    if (!event) return; // `[DONE]`, a keep-alive or an unknown shape
    const message = event.delta?.message;
    const index = event.index ?? 0;
    switch (event.type ?? name) {
      case 'content-start':
        if (message?.content?.type === 'thinking') this.thinking.add(index);
        return;
      case 'content-delta':
        if (!this.thinking.has(index) && message?.content?.text) {
          this.start(writer);
          writer.text(message.content.text);
        }
        return;
      case 'tool-plan-delta':
        if (message?.tool_plan) {
          this.start(writer);
          writer.text(message.tool_plan);
        }
        return;
      case 'tool-call-start': {
        this.start(writer);
        const call = message?.tool_calls;
        const ours = this.toolIndex.size;
        this.toolIndex.set(index, ours);
        const opening = call?.function?.arguments ?? '';
        if (opening) this.argued.add(ours);
        writer.toolCall({
          index: ours,
          id: call?.id ?? `call_${ours}`,
          type: 'function',
          function: { name: call?.function?.name ?? '', arguments: opening },
        });
        return;
      }
      case 'tool-call-delta': {
        const ours = this.toolIndex.get(index);
        const fragment = message?.tool_calls?.function?.arguments;
        if (ours !== undefined && fragment) {
          this.argued.add(ours);
          writer.toolCall({ index: ours, function: { arguments: fragment } });
        }
        return;
      }
      case 'tool-call-end': {
        const ours = this.toolIndex.get(index);
        if (ours !== undefined) this.closeCall(ours, writer);
        return;
      }
      case 'message-end': {
        this.finished = true;
        // A call whose tool-call-end never came is closed before the finish all the same.
        for (const ours of this.toolIndex.values()) this.closeCall(ours, writer);
        const reason = event.delta?.finish_reason ?? 'COMPLETE';
        const failed = failedFinish(this.provider, reason);
        if (failed) {
          if (!this.started) throw failed; // nothing sent: a failed attempt
          writer.error(failed.message);
          return;
        }
        this.start(writer);
        writer.finish(FINISH[reason] ?? 'stop');
        const usage = toUsage(event.delta?.usage);
        if (usage) writer.usage(usage);
        writer.done();
        return;
      }
      default:
        return; // message-start, content-end, citations, events added later
    }
  }

  /**
   * A tool called without arguments streams none: its arguments are "{}", as in the JSON answer,
   * never "" (which the OpenAI SDK's JSON.parse of a finished call refuses).
   */
  private closeCall(ours: number, writer: OpenAIStreamWriter): void {
    if (this.argued.has(ours)) return;
    this.argued.add(ours);
    writer.toolCall({ index: ours, function: { arguments: '{}' } });
  }
}

export function translateCohereStream(
  upstream: ReadableStream<Uint8Array>,
  provider: string,
  id: string,
  model: string,
): ReadableStream<Uint8Array> {
  const state = new CohereStreamState(provider);
  return translateSSE(
    upstream,
    new OpenAIStreamWriter(id, model),
    (event, writer) => state.onEvent(event, writer),
    (writer) => {
      if (!state.finished) writer.error(`${provider} ended the stream before it was complete.`);
    },
  );
}
