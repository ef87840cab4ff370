// Worker bindings and the per-request variables shared by middleware and routes.
import type { Principal } from './auth/principal';
import type { SemanticIndex } from './cache/index-object';
import type { GuardrailReport } from './guardrails/report';
import type { KeyObject } from './limits/key-object';
import type { LogBuffer } from './logs/buffer';
import type { RequestLog } from './logs/request-log';
import type { NativeApi } from './providers/types';
import type { NativeRequest } from './routes/native-request';
import type { RetentionParam } from './routes/zdr-retention';

export interface Env {
  KEYS: DurableObjectNamespace<KeyObject>;
  CACHE: KVNamespace;
  DB: D1Database;
  /** Workers AI (production only: it has no local mode, so dev and tests leave it unbound). */
  AI?: Ai;
  /** Semantic cache vectors (production only, like AI); without it the SEMANTIC_INDEX objects serve. */
  VECTORIZE?: Vectorize;
  /** Semantic cache: one SQLite-backed vector index object per partition (src/cache/index-object.ts). */
  SEMANTIC_INDEX: DurableObjectNamespace<SemanticIndex>;
  /** Root admin credential (a Worker secret). Admin routes refuse everything when it is unset. */
  ADMIN_TOKEN?: string;
  /** Request log buffers, flushed to D1 by alarm (src/logs/buffer.ts). */
  LOGS: DurableObjectNamespace<LogBuffer>;
  /** Analytics Engine dataset: one data point per request; optional, a no-op when unbound. */
  ANALYTICS?: AnalyticsEngineDataset;
  /** Days of request logs kept by the cron cleanup (default 30). */
  LOG_RETENTION_DAYS?: string;
}

/**
 * Worker secrets a config's `env:NAME` may not name: the gateway's own. The config is written by
 * scoped admin tokens too, and a provider's key goes to wherever its baseUrl points.
 */
export const GATEWAY_SECRETS: ReadonlySet<string> = new Set(['ADMIN_TOKEN']);

/** Provider secrets are referenced from the config as `env:NAME`: any Worker secret but the gateway's own. */
export function readSecret(env: Env, name: string): string | undefined {
  if (GATEWAY_SECRETS.has(name)) return undefined;
  const value = (env as unknown as Record<string, unknown>)[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

export interface AppEnv {
  Bindings: Env;
  Variables: {
    /** Server-generated (`req_…`): the log row id and the budget reservation id; never the client's. */
    requestId: string;
    /** A sane client `x-request-id`, echoed back and kept in the log row; never used as an id. */
    clientRequestId: string | undefined;
    /** SHA-256 hex of the presented gateway key (set by gatewayKeyAuth on /v1 routes). */
    keyHash: string;
    /** The request's log record on /v1 routes (src/logs/middleware.ts); routes fill it in. */
    log: RequestLog;
    /** Who is calling an /admin route: root or an admin token with its role (src/auth/principal.ts). */
    principal: Principal;
    /** What the guardrails did to this request (the log row's `guardrails`); set once rules run. */
    guardrails: GuardrailReport | undefined;
    /** Zero data retention for this request (the key's or its team's flag): no cache, no bodies. */
    zdr: boolean;
    /**
     * A chat body another API's request was translated into (src/routes/chat-translation.ts): the
     * chat route takes it as read, instead of reading and parsing the request's body again.
     */
    chatBody: unknown;
    /** The translation streams signed thinking blocks as they complete (ChatCall.thinkingAsSigned). */
    thinkingAsSigned: boolean | undefined;
    /** A translated request's function tools to send strict to OpenAI's own services (ChatCall.strictTools). */
    strictTools: readonly string[] | undefined;
    /**
     * What a translated request asks to be kept by (`store: true`; a conversation it extends), which its
     * chat body does not carry: a zero-retention key's request is refused all the same (zdrStoreRefused).
     */
    storeAsked: RetentionParam | undefined;
    /**
     * The admitted key, its team, and whether either is zero-retention (set by the chat route on
     * admission): whose stored response a Responses answer becomes (src/responses-store/keeping.ts).
     */
    admittedKey: { id: string; teamId: string | null; zdr: boolean } | undefined;
    /**
     * The stored response a Responses request continued from, and how many items of its conversation
     * were resolved into the start of its input (continuation.ts).
     */
    continued: { id: string; items: number } | undefined;
    /**
     * The conversation a Responses request named, and how many of its items were resolved into the
     * start of its input (continuation.ts): the rest and the output are appended to it (keeping.ts).
     */
    conversation: { id: string; items: number } | undefined;
    /**
     * Where each item of a Responses request's resolved input came from: its index in the input the
     * client sent, or STORED for one of the previous response's conversation (item-positions.ts).
     */
    inputPositions: readonly number[] | undefined;
    /**
     * Where the client put each tool of a translated request's chat body (`tools[4].tools[1]`, one of
     * a Responses namespace), when it nested some: an error naming a chat tool names it so (ownToolPlace).
     */
    toolPlaces: readonly string[] | undefined;
    /** The reasoning summary a translated request asks for (ChatCall.reasoningSummary). */
    reasoningSummary: string | undefined;
    /** Fields of the translated chat body only Claude takes (ProviderAdapter.servesClaude). */
    claudeOnly: readonly string[] | undefined;
    /** The API whose request became the chat body (chatBody): refusals name its fields. */
    translatedApi: NativeApi | undefined;
    /** A request served as it is by its own API's endpoint, for that API's server tools (ChatCall.native). */
    nativeRequest: NativeRequest | undefined;
    /**
     * The `detail` of each image a translated request sends by file_id, which its chat body carries
     * as a file part: its estimate counts them as images, not files (limits/estimate.ts, inputEstimate).
     */
    imagesById: readonly (string | null | undefined)[] | undefined;
    /**
     * What the prompt is seen to hold by the gateway's estimate (limits/estimate.ts, inputEstimate),
     * set by the chat route as it admits the request: a translated stream starts with it where its
     * API says the prompt's size before the answer and the chat stream says it only at its end.
     */
    inputEstimate: number | undefined;
  };
}
