// A refusal by the key's (or team's) object as the wire error the client gets; the object unreachable as a 503.
import { describeFailure } from '../describe-error';
import { GatewayError, invalidApiKey, modelNotAllowed, retryAfterSeconds, unavailableNow } from '../errors';
import { overloaded } from '../isolate/fresh-stubs';
import { endReason, type KeyPolicy } from '../keys/policy';
import type { ReservedToolFees, RouteAdmitRequest } from './admission';
import type { AdmitRequest, AdmitResult, RefusedKey } from './admit-rpc';
import { MAX_ROTATION_HOPS, type PolicyRead } from './moved';
import { rateLimitHeaders, tighter } from './rate-headers';
import type { RateState, RateWindow } from './rate-state';

type Refused = Extract<AdmitResult, { ok: false }>;
/** What of the refused request its wire error tells. */
type Refusing = Pick<
  RouteAdmitRequest,
  'model' | 'costUsd' | 'inputParam' | 'toolFees' | 'outputField' | 'budgetAdvice'
>;

/**
 * The key's (or team's) object could not answer — overloaded, unreachable, reset mid-call. Limits
 * and budgets fail closed: the request is refused with a 503 to retry, never admitted unchecked.
 */
export function unavailable(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  console.error('admission failed', describeFailure(error));
  return overloaded(error)
    ? unavailableNow(
        'limits_overloaded',
        "This key's limits are checked by a Durable Object that is overloaded right now. Please retry shortly.",
      )
    : unavailableNow(
        'limits_unavailable',
        "The gateway could not check this key's limits right now. Please retry shortly.",
      );
}

/**
 * The policy read from a key's (or its team's) object, or the refusal an admission would give it
 * before any limit: no such key or team, a rotated key's old secret past its grace, revoked or
 * disabled, expired. GET /v1/models, which reads policies, uses it.
 */
export function assertUsable(read: PolicyRead, who: 'key' | 'team', now: number): KeyPolicy {
  const request = { model: '', costUsd: 0 };
  // Its log row: no key to look up when the key's object knows none; named when it does.
  if (!read.ok) throw refusal(read, request, who, who === 'key' ? keyRefused(read) : undefined);
  const reason = endReason(read.policy, now);
  if (reason) throw refusal({ ok: false, reason }, request, who, who === 'key' ? read.policy : undefined);
  return read.policy;
}

/** The key a refusal by its own object names: none when the object knows no such key. */
export const keyRefused = (result: Refused): RefusedKey | null | undefined =>
  result.reason === 'unknown' ? null : result.key;

/**
 * The refusal's wire error, naming the refused key (`key`) for its log row. `otherRate`: the other
 * side's windows when it admitted (a 429's headers show the tighter of key and team, as a 200's do).
 */
export function refusal(
  result: Refused,
  request: Refusing,
  who: 'key' | 'team',
  key: RefusedKey | null | undefined,
  otherRate?: RateState,
): GatewayError {
  const other = otherRate && givenBack(otherRate, request as Partial<AdmitRequest>);
  const error = wireError(result, request, who, other);
  if (key !== undefined) error.refusedKey = key && { id: key.id, teamId: key.teamId };
  return error;
}

/** The one mapping from a refusal to the wire error. */
function wireError(
  result: Refused,
  request: Refusing,
  who: 'key' | 'team',
  otherRate?: RateState,
): GatewayError {
  const whose = who === 'key' ? "this key's" : "this key's team's";
  switch (result.reason) {
    case 'unknown':
      return invalidApiKey(
        who === 'key' ? 'Incorrect API key provided.' : "This key's team no longer exists.",
      );
    case 'revoked':
      return invalidApiKey(
        who === 'key' ? 'This API key has been revoked.' : "This key's team has been disabled.",
      );
    case 'expired':
      return invalidApiKey('This API key has expired.');
    case 'moved': // still moving after MAX_ROTATION_HOPS rotations
      return invalidApiKey(
        `This API key was rotated more than ${MAX_ROTATION_HOPS} times since it was issued: use the newest key.`,
      );
    case 'rotated':
      return invalidApiKey('This API key was rotated and its grace period has ended: use the new key.');
    case 'awaiting_ledger': // a rotation's new object before the old secret's ledger reached it
      return unavailableNow(
        'limits_unavailable',
        "This key is being rotated and its budget ledger is on its way to the new key's Durable Object. Please retry shortly.",
      );
    case 'model_not_allowed':
      return modelNotAllowed(request.model ?? '', who); // never for a request that names no model
    case 'rate_limited': {
      const seconds = retryAfterSeconds(result.retryAfterMs);
      const what = result.limit === 'requests' ? 'requests per minute (RPM)' : 'tokens per minute (TPM)';
      const window = result.rate[result.limit];
      return new GatewayError(
        429,
        'rate_limit_error',
        'rate_limit_exceeded',
        `Rate limit reached for ${whose} ${what}: limit ${window?.limit}, remaining ${window?.remaining}. Please try again in ${seconds}s.`,
        null,
        { ...rateLimitHeaders(tighter(result.rate, otherRate)), 'retry-after': String(seconds) },
      );
    }
    case 'too_large': {
      const cap = request.outputField ?? 'max_tokens';
      return new GatewayError(
        429,
        'rate_limit_error',
        'rate_limit_exceeded',
        request.inputParam
          ? `Request too large: its input is about ${result.requested} tokens, more than ${whose} limit of ${result.capacity} tokens per minute. Send less input per request.`
          : `Request too large: it may use up to ${result.requested} tokens (input estimate + ${cap}; a request without ${cap} reserves the gateway's limits.defaultMaxTokens, and each file sent by file_id counts its limits.fileIdTokens), more than ${whose} limit of ${result.capacity} tokens per minute. Set a lower ${cap} or shorten the prompt.`,
        request.inputParam ?? cap,
        // Waiting cannot help: OpenAI's SDKs retry a 429 unless told not to.
        { ...rateLimitHeaders(tighter(result.rate, otherRate)), 'x-should-retry': 'false' },
      );
    }
    case 'budget_exceeded': {
      const reset = result.resetAt ? ` The budget resets at ${new Date(result.resetAt).toISOString()}.` : '';
      const leased =
        result.leasedUsd > 0 ? `, $${usd(result.leasedUsd)} of it held by admission leases for a second` : '';
      const standing = `spent $${usd(result.spentUsd)}, $${usd(result.reservedUsd)} reserved by requests in flight${leased}`;
      // Nothing left (spend can pass the cap by what a request cost beyond its reservation): any
      // request is refused, a free one too, so "could cost $0, more than what is left" would mislead.
      if (result.spentUsd + result.reservedUsd >= result.budgetUsd)
        return new GatewayError(
          402,
          'insufficient_quota',
          'budget_exceeded',
          `Budget exceeded: ${whose} $${usd(result.budgetUsd)} budget is used up (${standing}).${reset} Raise the budget${result.reservedUsd > 0 ? ', or retry once the requests in flight have settled' : ''}.`,
        );
      return new GatewayError(
        402,
        'insufficient_quota',
        'budget_exceeded',
        `Budget exceeded: this request could cost up to $${usd(request.costUsd)}, more than what is left of ${whose} $${usd(result.budgetUsd)} budget (${standing}). ${budgetAdvice(request)} or raise the budget.${reset}`,
      );
    }
  }
}

/** How a budget refusal names a provider's tools, their calls and the field that bounds them. */
const TOOL_WORDS = {
  responses: {
    tools: 'hosted tools',
    call: ['call', 'calls'],
    field: 'max_tool_calls',
    its: 'its max_tool_calls',
    without: 'a request without max_tool_calls',
  },
  messages: {
    tools: 'server tools',
    call: ['web search', 'web searches'],
    field: "the tool's max_uses",
    its: "its web search tool's max_uses",
    without: 'a web search tool without max_uses',
  },
} as const;

/**
 * What a budget refusal advises lowering: what most of the worst case comes from. Hosted tools'
 * fees can far outweigh the tokens (ten web searches, $0.10, cost more than 100,000 output tokens
 * of a small model), and then a lower output cap would not bring the request within the budget.
 * The cap is named as the client's API names it (max_output_tokens on /v1/responses).
 */
function budgetAdvice(request: Refusing): string {
  if (request.budgetAdvice) return request.budgetAdvice;
  if (request.inputParam) return 'Send less input';
  const lower = `Lower ${request.outputField ?? 'max_tokens'}`;
  const fees = request.toolFees;
  if (!fees || !(fees.usd > 0)) return lower;
  const words = TOOL_WORDS[fees.api];
  const part = `$${usd(fees.usd)} is its ${words.tools}' fees for ${feeCalls(fees, words.call)}`;
  if (fees.usd * 2 < request.costUsd) return `${lower} (of that, ${part}, which ${words.field} bounds)`;
  return fees.bounded
    ? `Of that, ${part} (as ${words.its} allows): lower ${words.field}`
    : `Of that, ${part} (as reserved for ${words.without}): set ${words.field}`;
}

const feeCalls = (fees: ReservedToolFees, [one, many]: readonly [string, string]) =>
  `${fees.calls} ${fees.calls === 1 ? one : many}`;

/**
 * USD as a refusal tells it: to the hundred-millionth, trailing zeros dropped, never in exponent form,
 * so that its figures add up ($0.001008, not $0.001).
 */
const usd = (value: number) => value.toFixed(8).replace(/\.?0+$/, '');

/**
 * The other side's windows as they are once what it took for this refused request is given back
 * (release(): its request slot, and its tokens unless they came from a lease).
 */
function givenBack(rate: RateState, request: Partial<AdmitRequest>): RateState {
  const back = (window: RateWindow | undefined, amount: number) =>
    window && { ...window, remaining: Math.min(window.limit, window.remaining + amount) };
  const requests = back(rate.requests, request.prepaid ? 0 : 1);
  const tokens = back(rate.tokens, request.prepaid ? 0 : (request.tokens ?? 0));
  return { ...(requests ? { requests } : {}), ...(tokens ? { tokens } : {}) };
}
