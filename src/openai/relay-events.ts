// The relay's bookkeeping of each upstream event (stream-relay.ts): what it tells the StreamSummary
// (usage, completion, service tier, answer size), the usage hidden or filled as the client asked, the
// upstream's error event and the mapper's end, and the SSE text it leaves pending for the client.
import type { EventSourceMessage } from 'eventsource-parser';
import { isRecord } from '../json-record';
import type { Usage } from '../providers/types';
import { answerChars, errorCodeOf, noteFinished } from './chunk-scan';
import type { RelayOptions } from './relay-options';
import { SSE_DONE, sseData } from './sse';
import { providerError, providerErrorCode, providerErrorFrame } from './stream-errors';
import type { StreamSummary } from './stream-summary';
import { UsageFill } from './usage-fill';

// A JSON object value for "usage" (not `"usage":null`); string contents escape their quotes, so
// text that merely mentions usage cannot match.
const USAGE_OBJECT = /"usage"\s*:\s*\{/;
/** The prompt's usage a provider reported as its answer started (Anthropic's message_start). */
const PROMPT_USAGE = /"prompt_usage"\s*:\s*\{/;
const FINISHED = /"finish_reason"\s*:\s*"/;
const SERVICE_TIER = /"service_tier"\s*:\s*"([\w-]{1,40})"/;
/** A carried event's key (OpenAIStreamWriter.carry); inside its string value quotes are escaped. */
const CARRIED_KEY = '"native_event"';

export class RelayEvents {
  readonly summary: StreamSummary = { completed: false, cancelled: false, events: 0, answerChars: 0 };
  /** What is pending for the client: whole SSE events, handed over by RelayClient.send. */
  out = '';
  sawDone = false;
  /** Events parsed, relayed or not: any of them shows the upstream is alive. */
  parsed = 0;
  /** The upstream sent an error event: nothing after it is relayed. */
  failed = false;
  /** The mapper ended the answer with an error event: no [DONE] after it. */
  answerEnded = false;
  private readonly choices: number;
  private readonly fill: UsageFill | undefined;
  /** With n > 1, the indexes of the choices that have finished. */
  private readonly finishedChoices = new Set<number>();

  constructor(private readonly options: RelayOptions) {
    this.choices = options.choices ?? 1;
    this.fill = options.fillUsage && options.includeUsage ? new UsageFill(options.fillUsage) : undefined;
  }

  /**
   * The parser's onEvent: notes one upstream event and adds what the client gets of it to `out`. A
   * bound field, so the parser calls it directly, with no wrapper per event.
   */
  readonly read = (message: EventSourceMessage): void => {
    if (this.failed) return;
    this.parsed++;
    const { options, summary, fill } = this;
    const { data } = message;
    if (data === '[DONE]') {
      this.sawDone = true;
      summary.completed = true;
      if (this.answerEnded) return;
      // The usage charged, where the provider reported none plausible; the cache and log see it too.
      const filled = fill?.payload(summary);
      if (filled !== undefined) {
        options.onEvent?.(filled);
        this.out += sseData(filled);
      }
      this.out += SSE_DONE;
      return;
    }
    const upstreamError = providerError(message);
    if (upstreamError) {
      this.failed = true;
      if (this.answerEnded) return; // the client's answer already ended, in the gateway's words
      summary.errorCode = providerErrorCode(upstreamError.error);
      // Not its message: a provider's error may quote the prompt or the answer (a content filter's
      // does), which a zero-retention key's request may leave nowhere — not even as the reason the
      // upstream stream is cancelled with.
      summary.error = `the upstream sent an error event (${summary.errorCode})`;
      this.out += providerErrorFrame(upstreamError.error);
      return;
    }
    let frame = data;
    fill?.note(data);
    if (USAGE_OBJECT.test(data)) {
      try {
        const chunk = JSON.parse(data) as { usage?: Usage | null; choices?: unknown[] };
        if (chunk.usage) summary.usage = chunk.usage;
        if (chunk.usage && (!options.includeUsage || fill?.replaces(chunk.usage))) {
          // The gateway always asks upstream for usage (budgets need it); hide it from clients that did
          // not, and an implausible report from those that did (the fill tells what is charged).
          if (!chunk.choices || chunk.choices.length === 0) return;
          chunk.usage = undefined;
          frame = JSON.stringify(chunk);
        }
      } catch {
        // Not JSON: relay it untouched; the client sees exactly what the provider sent.
      }
    }
    if (summary.promptUsage === undefined && PROMPT_USAGE.test(data)) {
      try {
        const { prompt_usage } = JSON.parse(data) as { prompt_usage?: unknown };
        if (isRecord(prompt_usage)) summary.promptUsage = prompt_usage;
      } catch {
        // Not JSON: no prompt usage to read
      }
    }
    const { choices } = this;
    if (FINISHED.test(data) && (choices <= 1 || noteFinished(data, this.finishedChoices) >= choices)) {
      summary.completed = true;
    }
    if (!options.carries || !data.includes(CARRIED_KEY)) summary.events++;
    summary.answerChars += answerChars(data);
    if (summary.serviceTier === undefined && data.includes('"service_tier"'))
      summary.serviceTier = SERVICE_TIER.exec(data)?.[1];
    options.onEvent?.(frame);
    const mapped = options.mapEvent ? options.mapEvent(frame) : frame;
    if (mapped === null) return;
    if (typeof mapped === 'string') this.out += sseData(mapped);
    else {
      this.answerEnded = true;
      this.out += sseData(mapped.end);
      // An answer ended in the gateway's words (an output guardrail) is a stream that failed.
      summary.error = 'the answer was ended by the gateway (an output guardrail)';
      summary.errorCode = errorCodeOf(mapped.end) ?? 'guardrail_blocked';
    }
  };
}
