// The usage chunk of a whole streamed answer whose provider reported no plausible usage
// (pricing/usage.ts: none, or counts no answer could have): what the gateway charges it, so a
// client that asked for usage (stream_options.include_usage; the Responses and Messages
// translations always do) is told what the log row and the budget counted. The relay
// (stream-relay.ts) writes it before the `[DONE]`, and holds back an implausible report.
import { isRecord } from '../json-record';
import { plausibleUsage } from '../pricing/usage';
import type { Usage } from '../providers/types';
import type { StreamSummary } from './stream-summary';

export class UsageFill {
  /** The first chunk's id, created and model, which the usage chunk carries as every chunk does. */
  private head: Record<string, unknown> | undefined;

  /** `charge`: what the answer is charged, from what its stream said. */
  constructor(private readonly charge: (summary: StreamSummary) => Usage) {}

  /** A chunk's payload went by: the first names the answer. */
  note(data: string): void {
    if (this.head) return;
    try {
      const chunk: unknown = JSON.parse(data);
      this.head = isRecord(chunk) ? { id: chunk.id, created: chunk.created, model: chunk.model } : {};
    } catch {
      this.head = {};
    }
  }

  /** Whether a usage report is not to be shown: the charged one replaces it. */
  replaces(usage: unknown): boolean {
    return !plausibleUsage(usage);
  }

  /** The usage chunk's payload for an answer whose stream reported `summary.usage` (perhaps none). */
  payload(summary: StreamSummary): string | undefined {
    if (plausibleUsage(summary.usage)) return undefined;
    const { id, created, model } = this.head ?? {};
    const usage = this.charge(summary);
    return JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage });
  }
}
