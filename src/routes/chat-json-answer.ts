// The chat route's whole (JSON) answer: charged, guarded, cached, logged, then sent.
import type { CacheLookup } from '../cache/session';
import { withHeaders } from '../errors';
import type { RouteGuard } from '../guardrails/chat-guard';
import { estimateTextTokens } from '../limits/estimate';
import type { RequestLog } from '../logs/request-log';
import { usageOf } from '../pricing/stream-usage';
import { plausibleUsage } from '../pricing/usage';
import type { ChatCompletion } from '../providers/types';
import type { Served } from '../routing/execute';
import type { Settle } from './chat-settlement';
import type { Answer } from './chat-upstream';
import type { NativeRequest } from './native-request';

/** What the route hands the assembly of a served answer, JSON or stream. */
export interface Answering {
  served: Served<Answer>;
  native: NativeRequest | undefined;
  guard: RouteGuard;
  cache: CacheLookup;
  log: RequestLog;
  /** The response's headers, rate limits and routing already in them. */
  headers: Headers;
  settle: Settle;
  /** The prompt as reserved, for a usage the provider did not report. */
  inputTokens: number;
  /** An output estimate, never past the request's cap when it has one. */
  withinCap: (tokens: number) => number;
}

export function jsonAnswer(
  result: Extract<Answer, { kind: 'json' }>,
  { served, native, guard, cache, log, headers, settle, inputTokens, withinCap }: Answering,
): Response {
  // Without a plausible report, what was sent and what came back, estimated (as for streams).
  const reported = plausibleUsage(result.body.usage);
  const used = reported ?? usageOf(inputTokens, withinCap(estimateTextTokens(answerText(result.body))));
  const charged = settle(served.target, used, served.attempts, result.body.service_tier, !reported);
  // The answer (and so the cache, and the Responses and Messages answers made of it) tells the usage
  // charged, as a stream does (usage-fill.ts); a native answer goes as its own API wrote it.
  const { body: completion, raw } =
    reported || native ? result : { body: { ...result.body, usage: charged }, raw: undefined };
  let guarded: ReturnType<typeof guard.completion>;
  try {
    guarded = guard.completion(completion); // output rules, restored placeholders; may block
  } catch (error) {
    cache.abandon();
    throw withHeaders(error, headers); // a target answered: the refusal names it
  }
  cache.saveJson(completion, served.target, charged);
  // The log keeps the answer with output redactions applied and placeholders not restored.
  log.responseBody(guarded.logged === completion ? (raw ?? completion) : guarded.logged);
  headers.set('content-type', 'application/json');
  const { answer } = guarded;
  const text = answer === completion ? (raw ?? JSON.stringify(answer)) : JSON.stringify(answer);
  return new Response(text, { status: 200, headers });
}

/** The text an answer produced (content and tool calls), for estimating its tokens. */
function answerText(completion: ChatCompletion): string {
  return (completion.choices as { message?: { content?: unknown; tool_calls?: unknown } }[])
    .map(
      ({ message }) =>
        `${typeof message?.content === 'string' ? message.content : ''}${message?.tool_calls ? JSON.stringify(message.tool_calls) : ''}`,
    )
    .join('');
}
