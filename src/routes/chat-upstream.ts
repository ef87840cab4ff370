// The chat route's trip upstream: each attempt's call to the target's adapter, run by the router.
import type { Context } from 'hono';
import { bodyForTarget } from '../anthropic/claude-fields';
import type { ResolvedRoute, Runtime } from '../config/runtime';
import type { AppEnv } from '../env';
import { primeStream } from '../openai/prime-stream';
import type { ChatRequest } from '../openai/schemas';
import type { ChunkSource } from '../openai/stream-relay';
import type { ChatResult, NativeApi } from '../providers/types';
import type { RouteRequest } from '../routing/conditions';
import { executeRoute, type Served } from '../routing/execute';
import type { NativeRequest } from './native-request';

/** What an attempt hands back: the JSON answer, or the stream once its first event is in. */
export type Answer = Extract<ChatResult, { kind: 'json' }> | { kind: 'stream'; body: ChunkSource };

/** The request as it goes upstream, and what the router needs to pick and time its targets. */
export interface UpstreamRequest {
  /** The chat body sent (guarded, with the gateway's cap in it if it sets one). */
  sent: ChatRequest;
  /** The client's own API request, when it needs that API's own servers. */
  native: NativeRequest | undefined;
  /** `native`'s body as sent: its tool calls bound under limits.enforceMaxTokens. */
  nativeSent: { api: NativeApi; body: Record<string, unknown> } | undefined;
  /** The fields only Claude serves, for a translated Messages request (bodyForTarget). */
  claudeOnly: readonly string[] | undefined;
  /** The gateway sets the output cap (limits.enforceMaxTokens). */
  capSet: boolean;
  betas: readonly string[];
  reasoningSummary: string | undefined;
  requestId: string;
  zeroRetention: boolean;
  streaming: boolean;
  routeRequest: RouteRequest;
  deadline: number | undefined;
}

export function askTargets(
  c: Context<AppEnv>,
  runtime: Runtime,
  routed: ResolvedRoute,
  request: UpstreamRequest,
): Promise<Served<Answer>> {
  const { sent, native, nativeSent, claudeOnly, betas, reasoningSummary, requestId, deadline } = request;
  return executeRoute<Answer>(
    runtime,
    routed,
    async ({ adapter, target, signal, firstByte }) => {
      if (native && adapter.servesNative?.(native.api, target.model, native.needs) !== true)
        throw native.noTarget();
      const result = await adapter.chat({
        ...(nativeSent ? { native: { api: nativeSent.api, body: nativeSent.body } } : {}),
        body: claudeOnly ? bodyForTarget(sent, claudeOnly, adapter, target.model) : sent,
        model: target.model,
        signal,
        requestId,
        capSet: request.capSet,
        betas,
        thinkingAsSigned: c.get('thinkingAsSigned') === true,
        strictTools: c.get('strictTools'),
        reasoningSummary,
        ...(request.zeroRetention ? { zeroRetention: true } : {}),
        answersWhole: firstByte,
      });
      if (result.kind === 'json') return result;
      const primed = await primeStream(result.body, adapter.name);
      firstByte();
      return { kind: 'stream', body: primed } as const;
    },
    {
      signal: c.req.raw.signal,
      streaming: request.streaming,
      request: request.routeRequest,
      // A stream's provider is judged healthy or not when the stream ends (chat-stream-answer.ts).
      verdictLater: (answer) => answer.kind === 'stream',
      ...(deadline !== undefined ? { deadline } : {}),
    },
  );
}
