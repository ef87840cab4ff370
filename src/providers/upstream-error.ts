// Turns a provider's failed or unreadable answer into an UpstreamError, keeping the raw body internal.
import type * as z from 'zod';
import { failureForStatus, UpstreamError } from './types';

const MAX_ERROR_BODY = 16_384;

interface ParsedError {
  message?: string;
  code?: string | null;
  param?: string | null;
  type?: string;
}

/** Pulls `{error:{message,code,param,type}}`, `{error:"…"}` or `{message:"…"}` out of a body. */
export function parseErrorBody(text: string): ParsedError {
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    const error = (Array.isArray(json) ? json[0] : json)?.error ?? json;
    if (typeof error === 'string') return { message: error };
    if (error && typeof error === 'object') {
      const e = error as Record<string, unknown>;
      return {
        message: messageText(e.message ?? e.detail),
        code: typeof e.code === 'string' ? e.code : typeof e.code === 'number' ? String(e.code) : null,
        param: typeof e.param === 'string' ? e.param : null,
        type: typeof e.type === 'string' ? e.type : undefined,
      };
    }
  } catch {
    // not JSON
  }
  return {};
}

/**
 * An error message as text: a string as it is; a validation report (Mistral's 422 answers
 * `"message": {"detail": [{"loc": [...], "msg": "…", "input": …}]}`, FastAPI servers
 * `"detail": [...]`) as its `msg`s with where they apply — never the `input` it echoes.
 */
function messageText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null || typeof value !== 'object') return undefined;
  const detail = (value as { detail?: unknown }).detail;
  const items: unknown[] = Array.isArray(value) ? value : Array.isArray(detail) ? detail : [value];
  const lines = items.flatMap((item) => {
    const { msg, message, loc } = (item ?? {}) as { msg?: unknown; message?: unknown; loc?: unknown };
    const text = typeof msg === 'string' ? msg : typeof message === 'string' ? message : undefined;
    if (!text) return [];
    return [Array.isArray(loc) ? `${loc.join('.')}: ${text}` : text];
  });
  const text = lines.join('; ');
  if (!text) return undefined;
  return text.length > 1000 ? `${text.slice(0, 1000)}…` : text;
}

/** Seconds or HTTP-date `retry-after`, plus OpenAI's `retry-after-ms`. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = Number(headers.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Context-window overflows in the words of OpenAI, DeepSeek, Mistral, OpenRouter, vLLM and others. */
const CONTEXT_TOO_LONG =
  /maximum context length|context length|context_length|context window|too many tokens|prompt is too long|reduce the length of the messages/i;

export async function upstreamErrorFrom(provider: string, response: Response): Promise<UpstreamError> {
  const { status } = response;
  const text = await readErrorText(response);
  const parsed = parseErrorBody(text);
  let failure = failureForStatus(status);
  let code = parsed.code ?? null;
  // OpenRouter answers a prompt its moderation flagged with a 403: the caller's content, not the
  // gateway's credentials (which would fail over, and open the circuit for everyone).
  if (status === 403 && /"(?:flagged|reasons)"\s*:/.test(text)) {
    failure = 'caller';
    code = 'content_filter';
  }
  const words = parsed.message ?? '';
  // A max_tokens above the model's limit names the context length too, but is not an overflow.
  if (failure === 'caller' && CONTEXT_TOO_LONG.test(words) && !/max_(completion_)?tokens/i.test(words)) {
    code = 'context_length_exceeded'; // so routing can move to a target with a larger window
  }
  // The provider's own code for it varies ("invalid_request_error", "402"); the client never sees it.
  if (status === 402) code = 'insufficient_quota';
  // OpenAI answers an exhausted quota 429 insufficient_quota: no wait fixes it, so it is the
  // operator's account, as a 402 is — not a rate limit to retry on the same target with backoff.
  if (code === 'insufficient_quota') failure = 'auth';
  // Caller faults carry the provider's own words; anything else gets a generic message so that
  // upstream internals (and anything echoing a credential) never reach the client. The words lose
  // any organization id they name (Groq's 413 for a request larger than its whole tokens-per-minute
  // limit: the client's to shrink, but the operator's account is not the client's business).
  const message =
    failure === 'caller'
      ? withoutOrganization(parsed.message ?? `${provider} rejected the request (HTTP ${status}).`)
      : `${provider} answered HTTP ${status}.`;
  return new UpstreamError(failure, status, message, {
    code,
    param: parsed.param ?? null,
    type: parsed.type,
    retryAfterMs:
      retryAfterMs(response.headers) ?? (status === 429 ? rateLimitResetMs(response.headers) : undefined),
  });
}

/** "… in organization `org_01abc` …": the operator's account id, left out of what a client reads. */
export function withoutOrganization(message: string): string {
  return message.replace(/\s*(?:in|for) organization `?org[-_][A-Za-z0-9]+`?/gi, '');
}

/**
 * When a 429 has no Retry-After: the reset of the limit it ran out of (`x-ratelimit-reset-<limit>`
 * whose `x-ratelimit-remaining-<limit>` is 0), else the longest reset within a minute, else the
 * nearest. OpenAI writes durations (`6m0s`, `1.5s`, `20ms`), others seconds (Cerebras'
 * `x-ratelimit-reset-tokens-minute: 41.2`);
 * anything past a day (an epoch timestamp, say) is not taken as a wait.
 */
export function rateLimitResetMs(headers: Headers): number | undefined {
  let spent: number | undefined;
  let withinMinute: number | undefined;
  let shortest: number | undefined;
  headers.forEach((value, name) => {
    if (!name.startsWith('x-ratelimit-reset')) return;
    const ms = durationMs(value.trim());
    if (ms === undefined || ms <= 0 || ms > DAY_MS) return;
    if (headers.get(name.replace('-reset', '-remaining'))?.trim() === '0') spent = Math.max(spent ?? 0, ms);
    if (ms <= MINUTE_MS) withinMinute = Math.max(withinMinute ?? 0, ms);
    shortest = Math.min(shortest ?? ms, ms);
  });
  // No limit reads 0 (a request larger than what is left of one, most often a per-minute one): the
  // longest reset within a minute, not a daily window's hours (Cerebras' `-day` resets); else the
  // nearest.
  return spent ?? withinMinute ?? shortest;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

function durationMs(value: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const match = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+(?:\.\d+)?)ms)?$/.exec(value);
  if (!match || value === '') return undefined;
  const [, h = '0', m = '0', s = '0', ms = '0'] = match;
  return Number(h) * 3_600_000 + Number(m) * 60_000 + Number(s) * 1000 + Number(ms);
}

/** The start of a failed answer's body: enough to read the error from, never a huge body. */
export function readErrorText(response: Response): Promise<string> {
  return readCapped(response, MAX_ERROR_BODY);
}

export async function readCapped(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // a body that fails mid-read still yields what arrived
  } finally {
    reader.cancel().catch(() => {});
  }
  return text.slice(0, limit);
}

/**
 * Wraps fetch so that a network failure becomes a typed UpstreamError (aborts propagate as they are).
 * Redirects are not followed: fetch would send the provider's key headers (`x-api-key`, `api-key`,
 * `x-goog-api-key`) on to wherever a provider, or a proxy in front of it, points — a 3xx is a failed
 * attempt instead (failureForStatus), and the next target is tried.
 */
export async function fetchUpstream(
  doFetch: typeof fetch,
  provider: string,
  url: string,
  init: RequestInit,
): Promise<Response> {
  try {
    return await doFetch(url, { ...init, redirect: 'manual' });
  } catch (error) {
    if (init.signal?.aborted) throw init.signal.reason ?? error;
    throw new UpstreamError('network', 0, `${provider} could not be reached.`);
  }
}

/** The body of an answer to a stream request; one that is not `contentType` is the provider's failure. */
export async function streamBody(
  provider: string,
  response: Response,
  contentType = 'text/event-stream',
  what = 'a stream',
): Promise<ReadableStream<Uint8Array>> {
  if (!(response.headers.get('content-type') ?? '').includes(contentType) || !response.body) {
    await response.body?.cancel();
    throw new UpstreamError(
      'server',
      response.status,
      `${provider} answered a stream request without ${what}.`,
    );
  }
  return response.body;
}

/** A 200 answer the adapter cannot read: the provider's failure. */
export function unexpectedAnswer(provider: string, what = 'body'): UpstreamError {
  return new UpstreamError('server', 200, `${provider} answered with an unexpected ${what}.`);
}

/** An answer's JSON text checked against `schema`; anything else is an unexpectedAnswer. */
export function parseAnswer<S extends z.ZodType>(
  provider: string,
  raw: string,
  schema: S,
  what?: string,
  reviver?: (key: string, value: unknown) => unknown,
): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(raw, reviver);
  } catch {
    throw unexpectedAnswer(provider, what);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw unexpectedAnswer(provider, what);
  return parsed.data;
}
