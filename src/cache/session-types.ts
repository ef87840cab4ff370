// What a request's cache session (session.ts) takes and gives: lookupCache's input, and the lookup
// it answers with, which the route serves a hit from or stores a miss's answer through.
import type { ResolvedRoute, Runtime } from '../config/runtime';
import type { Target } from '../config/schema';
import type { Env } from '../env';
import type { ChatRequest } from '../openai/schemas';
import type { StreamSummary } from '../openai/stream-summary';
import type { ChatCompletion, Usage } from '../providers/types';
import type { RouteRequest } from '../routing/conditions';
import type { CacheControl } from './control';
import type { CachePolicy } from './policy';

export type CacheStatus = 'hit-exact' | 'hit-semantic' | 'miss' | 'skip';

export interface CacheLookup {
  /** The `x-tollgate-cache` response header. */
  status: CacheStatus;
  /** On a hit, what the stored answer cost when it was produced (the hit itself costs $0). */
  savedUsd: number;
  /** On a semantic hit, the cosine similarity of the two questions. */
  similarity?: number;
  /**
   * On a hit, the answer (JSON or replayed SSE, as the request asks); `logBody` is handed what it
   * serves, as the request log keeps an answer (src/cache/replay.ts).
   */
  respond?: (headers: Headers, logBody: (body: unknown) => void) => Response;
  /** On a hit, the provider and model that produced the stored answer (logged as what served it). */
  servedBy?: { provider: string; model: string };
  /**
   * A miss's non-streamed answer from `target`: stored after the response when storable. `charged`
   * is the usage the request was charged (the answer's report, else an estimate): what a hit saves.
   */
  saveJson(completion: ChatCompletion, target: Target, charged?: Usage): void;
  /** The stream relay's `onEvent`: collects chunks as they pass, without delaying them. */
  onStreamEvent(data: string): void;
  /** The stream relay's `onEnd`: stores the assembled answer if the stream completed cleanly. */
  saveStream(summary: StreamSummary, target: Target, charged?: Usage): void;
  /** The request failed: nothing is stored, and identical requests waiting on it go upstream. */
  abandon(): void;
}

export interface LookupInput {
  env: Env;
  ctx: Pick<ExecutionContext, 'waitUntil'>;
  runtime: Runtime;
  route: ResolvedRoute;
  /** The facts conditional rules test: the very object the router is given, so both pick one rule. */
  request: RouteRequest;
  body: ChatRequest;
  /** The request's anthropic-beta betas: they may change the answer (context management…), so they key it. */
  betas?: readonly string[];
  /** A /v1/responses request's reasoning.summary (ChatCall.reasoningSummary): it changes the answer too. */
  reasoningSummary?: string;
  control: CacheControl;
  key: { id: string; teamId: string | null };
  /** The key's cache policy over its team's (Admission.cache). */
  policy: CachePolicy | undefined;
  signal?: AbortSignal;
  now?: () => number;
  /**
   * Called when the answer is not in this isolate's memory and the lookup must wait on KV or the
   * semantic index: the caller starts, alongside, what the request needs should it miss.
   */
  slow?: () => void;
}
