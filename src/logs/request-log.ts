// The log record of one request as it is being built: created by the requestLog middleware, filled
// in by the routes (and by the cache and guardrails layers), committed exactly once — when the
// response is ready, or for a relayed stream when the stream ends or the client cancels it.
import { CLIENT_CLOSED } from '../errors';
import { type GuardrailReport, hitsOf } from '../guardrails/report';
import { isRecord } from '../json-record';
import type { StreamSummary } from '../openai/stream-summary';
import type { Usage } from '../providers/types';
import type { Attempt } from '../routing/execute';
import type { Metadata } from './metadata';
import type { CacheStatus, LogRow } from './row';
import { keptCodes } from './row-codes';
import { type Charged, usageDetailOf } from './usage-detail';

/** Bodies are capped so a row stays far below D1's 2 MB value limit. */
export const BODY_LIMIT = 32 * 1024;

/** No model id is longer (the request schemas refuse more): a refused body's is cut to this for its row. */
const MODEL_LIMIT = 256;

/** What admission (or a read of the key's policy) tells the log about the key. */
export interface LoggedKey {
  id: string;
  teamId: string | null;
  logBodies: boolean;
  zdr?: boolean;
}

/** What the middleware knows once the response exists. */
export interface Responded {
  status: number;
  errorCode: string | null;
  /** SHA-256 of the presented key: lets the sink name the key of a request refused before admission. */
  keyHash?: string;
  /** The `x-tollgate-cache` response header, when a layer set one. */
  cacheHeader?: string | null;
  /** The `x-tollgate-cache` request header (skip | refresh). */
  cacheRequest?: string | null;
}

/** `admitted`: the row's key and `zdr` are its policy's (`admitted()`); else the sink looks them up. */
export type Commit = (row: LogRow, keyHash: string | undefined, admitted: boolean) => void;

export class RequestLog {
  private readonly row: LogRow;
  private keepBodies = false;
  private keyAdmitted = false;
  private requestValue: unknown;
  private responseValue: unknown;
  private streamed: string[] | undefined;
  private streamedBytes = 0;
  private cacheStatus: CacheStatus | undefined;
  private awaitingStream = false;
  private streamDone = false;
  /** When the stream ended for its client (StreamSummary.lastByteAt). */
  private lastByteAt: number | undefined;
  private responded: Responded | undefined;
  private committed = false;
  private guardrailReport: GuardrailReport | undefined;
  private requestFilter: ((body: Record<string, unknown>) => Record<string, unknown>) | undefined;

  constructor(
    init: { id: string; clientRequestId?: string; method: string; path: string; startedAt: number },
    private readonly commit: Commit,
    private readonly now: () => number = Date.now,
  ) {
    this.row = {
      id: init.id,
      clientRequestId: init.clientRequestId ?? null,
      time: init.startedAt,
      method: init.method,
      path: init.path,
      keyId: null,
      teamId: null,
      model: null,
      provider: null,
      servedModel: null,
      status: 0,
      errorCode: null,
      attempts: [],
      stream: false,
      cache: 'skip',
      inputTokens: 0,
      outputTokens: 0,
      cachedTokens: 0,
      costUsd: 0,
      usageDetail: null,
      savedUsd: 0,
      latencyMs: 0,
      ttftMs: null,
      metadata: null,
      cancelled: false,
      zdr: false,
      guardrails: null,
      requestBody: null,
      responseBody: null,
    };
  }

  get id(): string {
    return this.row.id;
  }

  metadata(value: Metadata | null): void {
    this.row.metadata = value;
  }

  /** The validated request: the model as written, whether it streams, the body (kept only if allowed). */
  requested(model: string, body: unknown, stream = false): void {
    this.row.model = model;
    this.row.stream = stream;
    this.requestValue = body;
  }

  /**
   * The model a parsed body names, before the body is validated: a request refused for its body
   * (a schema error, a translation's refusal) is still logged with the model asked for, so the
   * dashboard's model filter finds it. Only logged, and bounded; `requested` replaces it once valid.
   */
  asked(body: unknown): void {
    if (!isRecord(body) || typeof body.model !== 'string' || body.model === '') return;
    const model = body.model;
    this.row.model = model.length > MODEL_LIMIT ? `${model.slice(0, MODEL_LIMIT)}…` : model;
  }

  /** What the guardrails did; read when the row is committed, so output rules on a stream count too. */
  guardrails(report: GuardrailReport | undefined): void {
    this.guardrailReport = report;
  }

  /** Replaces the logged request body, e.g. with the guardrails' redacted version. */
  requestBody(body: unknown): void {
    this.requestValue = body;
  }

  /**
   * What every request body kept passes through, whichever is kept in the end (as sent, masked
   * after a block, redacted): a native request's third-party credentials out (NativeRequest.loggable).
   */
  filterRequestBody(filter: (body: Record<string, unknown>) => Record<string, unknown>): void {
    this.requestFilter = filter;
  }

  admitted(key: LoggedKey): void {
    this.row.keyId = key.id;
    this.row.teamId = key.teamId;
    this.row.zdr = key.zdr === true;
    this.keepBodies = key.logBodies && !this.row.zdr;
    this.keyAdmitted = true;
  }

  /** Names the key (and its team) of a request its key's object refused; its `zdr` the sink reads. */
  refused(key: { id: string; teamId: string | null }): void {
    this.row.keyId = key.id;
    this.row.teamId = key.teamId;
  }

  /** Marks the request as zero-data-retention: bodies are dropped whatever the key says. */
  zeroDataRetention(): void {
    this.row.zdr = true;
    this.keepBodies = false;
  }

  served(target: { provider: string; model: string }, attempts: readonly Attempt[]): void {
    this.row.provider = target.provider;
    this.row.servedModel = target.model;
    this.row.attempts = attempts.map((a) => ({ ...a }));
  }

  /** The attempts of a request that failed in routing (no target served). */
  attempts(attempts: readonly Attempt[]): void {
    this.row.attempts = attempts.map((a) => ({ ...a }));
    const last = attempts.at(-1);
    if (last && !this.row.provider) {
      this.row.provider = last.provider;
      this.row.servedModel = last.model;
    }
  }

  /**
   * Real usage and its cost (what the budget was settled with), and how it was charged (usageDetail).
   * `charged.timedOut`: the prompts of attempts the gateway timed out, which the cost includes (the
   * provider had them): counted as input, so that the row's tokens and cost agree.
   */
  used(usage: Usage | undefined, costUsd: number, charged: Charged = {}): void {
    this.row.inputTokens = (usage?.prompt_tokens ?? 0) + (charged.timedOut?.tokens ?? 0);
    this.row.outputTokens = usage?.completion_tokens ?? 0;
    this.row.cachedTokens = usage?.prompt_tokens_details?.cached_tokens ?? 0;
    this.row.costUsd = Math.max(0, costUsd);
    this.row.usageDetail = usageDetailOf(usage, charged);
  }

  /** Set by the cache layer: how the request met the cache, and what a hit saved. */
  cache(status: CacheStatus, savedUsd = 0): void {
    this.cacheStatus = status;
    this.row.savedUsd = Math.max(0, savedUsd);
  }

  /** The JSON answer (any JSON value or its text); kept only when the key logs bodies. */
  responseBody(body: unknown): void {
    if (this.keepBodies) this.responseValue = body;
  }

  /**
   * The response is a relayed stream: the row waits for `streamEnded`. Returns, when bodies are
   * kept, the collector of the frames to log (the guardrails' redacted ones, when they rewrite).
   */
  awaitStream(): ((data: string) => void) | undefined {
    this.awaitingStream = true;
    if (!this.keepBodies) return undefined;
    this.streamed = [];
    return (data) => {
      if (this.streamedBytes > BODY_LIMIT) return;
      this.streamed?.push(data);
      this.streamedBytes += data.length + 1;
    };
  }

  streamEnded(summary: StreamSummary): void {
    this.row.cancelled = summary.cancelled;
    if (summary.firstByteAt !== undefined) this.row.ttftMs = Math.max(0, summary.firstByteAt - this.row.time);
    this.lastByteAt = summary.lastByteAt;
    if (summary.error && !summary.cancelled) this.row.errorCode ??= summary.errorCode ?? 'upstream_error';
    if (this.streamed) this.responseValue = this.streamed.join('\n');
    this.streamDone = true;
    this.finishWhenReady();
  }

  /** Called by the middleware once the response exists. */
  respond(responded: Responded): void {
    this.responded = responded;
    this.row.status = responded.status;
    this.row.errorCode = responded.errorCode ?? this.row.errorCode;
    if (this.row.errorCode === CLIENT_CLOSED) this.row.cancelled = true;
    this.finishWhenReady();
  }

  private finishWhenReady(): void {
    if (this.committed || !this.responded) return;
    if (this.awaitingStream && !this.streamDone) return;
    this.committed = true;
    // A stream's answer ended for its client when its last byte went, not when the upstream was let go.
    this.row.latencyMs = Math.max(0, (this.lastByteAt ?? this.now()) - this.row.time);
    this.row.cache = this.cacheStatus ?? defaultCache(this.row, this.responded);
    if (this.guardrailReport) this.row.guardrails = hitsOf(this.guardrailReport);
    Object.assign(this.row, keptCodes(this.row));
    if (this.keepBodies) {
      const request = this.requestValue;
      this.row.requestBody = capped(
        this.requestFilter && isRecord(request) ? this.requestFilter(request) : request,
      );
      this.row.responseBody = capped(this.responseValue);
    }
    this.commit(this.row, this.responded.keyHash, this.keyAdmitted);
  }
}

/**
 * A layer that did not report explicitly may still have said it in the response header; otherwise
 * a chat answer from a provider was a miss (unless the client skipped the cache) and all else a skip.
 */
function defaultCache(row: LogRow, responded: Responded): CacheStatus {
  const header = responded.cacheHeader;
  if (header === 'hit-exact' || header === 'hit-semantic' || header === 'miss' || header === 'skip')
    return header;
  const chat = row.path.endsWith('/chat/completions');
  if (chat && row.provider && row.status < 400 && responded.cacheRequest !== 'skip') return 'miss';
  return 'skip';
}

function capped(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  let text: string;
  try {
    text = typeof value === 'string' ? value : JSON.stringify(value);
  } catch {
    return null;
  }
  // Bytes of UTF-8, not characters (up to three bytes each): cut at a whole character.
  if (text.length * 3 <= BODY_LIMIT) return text;
  const { read } = new TextEncoder().encodeInto(text, new Uint8Array(BODY_LIMIT));
  return read < text.length ? `${text.slice(0, read)}…[truncated]` : text;
}
