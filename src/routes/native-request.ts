// A request of another API that needs that API's own servers — OpenAI's hosted tools on
// /v1/responses (src/openai/responses-hosted.ts), Anthropic's server and typed tools on /v1/messages
// (src/anthropic/messages-native.ts) — served as the client wrote it (ChatCall.native) by a target
// that runs that API (ProviderAdapter.servesNative), its answer relayed as that API wrote it. The chat
// pipeline still carries it (key, limits, budget, guardrails, routing and failover, one log row) on
// a chat body that only stands for it; this is what the chat route needs to know of it.
import { type GatewayError, invalidRequest } from '../errors';
import type { NativeApi, Unsupported } from '../providers/types';

export interface NativeRequest {
  api: NativeApi;
  /**
   * The body for the API's own endpoint; `model` (and a gateway cap) are set per target by the
   * adapter, the bound of the tools' calls under limits.enforceMaxTokens by the route (boundToolCalls).
   */
  body: Record<string, unknown>;
  /**
   * What in it needs the API's own servers, each once: a tool's type (`web_search_20250305`), a block
   * only server tools produce (`web_search_tool_result`), `mcp_servers`. An adapter that runs only
   * some of them (Vertex AI's Claude) serves the request only if it runs them all (servesNative).
   */
  needs: readonly string[];
  /**
   * A body as the request log keeps it — `body`, or the chat body standing for it, which carries the
   * fields it does not know as they were written — with a third party's credentials in it left out.
   */
  loggable(body: Record<string, unknown>): Record<string, unknown>;
  /** The refusal when no target of the route serves `api`: a 400 naming what needs it. */
  noTarget(): Unsupported;
  /**
   * The refusal when the request's guardrails would rewrite its input (a redaction that matched) or
   * see its answer (an output rule): both pass through untouched, so it is refused, not sent unguarded.
   */
  unguarded(): GatewayError;
}

/**
 * NativeRequest.unguarded's refusal: `tools` names what the request has (OpenAI's hosted tools,
 * Anthropic's server tools), `param` where.
 */
export function unguardedNative(tools: string, param: string): GatewayError {
  return invalidRequest(
    `The guardrails of this key would redact the request or check the answer, which the gateway cannot do with ${tools} (the request and answer pass through as they are): drop those tools, or use a key without those rules.`,
    param,
    'unsupported_parameter',
  );
}
