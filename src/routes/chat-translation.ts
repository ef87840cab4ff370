// Another API served by the chat route (the Responses and Messages APIs): a middleware on its path,
// after requestLog and gatewayKeyAuth like every /v1 route, turns its body into a chat-completions
// body that the chat handler (mounted on the path too, src/index.ts) takes as read, and turns the
// chat answer back. So the one request is authenticated, limited, guarded, cached, routed and
// logged once, under one request id, by the code of /v1/chat/completions; a refusal of its body is
// logged as well. Error answers pass as the chat route gave them.
import type { Context, MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { GatewayConfig } from '../config/schema';
import { getRuntime } from '../config/store';
import type { AppEnv } from '../env';
import { GatewayError } from '../errors';
import { readJsonBody } from '../openai/read-body';
import type { NativeApi } from '../providers/types';
import type { NativeRequest } from './native-request';
import type { RetentionParam } from './zdr-retention';

export interface ChatTranslation<R> {
  /** The API translated, whose fields a refusal names (its output cap: RouteAdmitRequest.outputField). */
  api: NativeApi;
  /**
   * The API's body with what it refers to read in (a stored response's conversation), before
   * `request` translates it; refusals are the API's errors.
   */
  resolve?(c: Context<AppEnv>, body: unknown, config: GatewayConfig): Promise<unknown>;
  /**
   * Where a refusal of the resolved body (or its provider's) is, as the client's own body names it
   * (the input it sent, before stored items went in).
   */
  ownPlace?(
    c: Context<AppEnv>,
    place: { param: string; message: string },
  ): { param: string; message: string };
  /** The API's body → its validated request and the chat body it stands for (400s naming params). */
  request(body: unknown): {
    request: R;
    chat: unknown;
    claudeOnly?: readonly string[];
    /** A request served as it is by its API's own endpoint (ChatCall.native); its answer relayed so. */
    native?: NativeRequest;
    /** The `detail` of each image it sends by file_id, a file part in the chat body (AppEnv's imagesById). */
    imagesById?: readonly (string | null | undefined)[];
    /** Function tools to send strict where the service is OpenAI's own (ChatCall.strictTools). */
    strictTools?: readonly string[];
    /** Where the client put each of the chat body's tools, when it nested some (AppEnv's toolPlaces). */
    toolPlaces?: readonly string[];
  };
  /**
   * Once the chat route answered (200, translated): the request as the answer tells of it, and
   * what gets the answer once whole (to store it): the JSON answer, or a stream's closing response.
   * The JSON answer is sent, and the stream's closing event written, once `done` resolves: a client
   * continuing from the answer finds it stored.
   */
  answered?(
    c: Context<AppEnv>,
    request: R,
    config: GatewayConfig,
  ): { request: R; done?: (answer: Record<string, unknown>) => Promise<void> };
  /** A chat completion → the API's answer. */
  answer(request: R, completion: Record<string, unknown>, requestId: string): unknown;
  /**
   * The chat stream → the API's event stream, translated as it passes (never buffered).
   * `inputEstimate`: the gateway's estimate of the prompt, which the request was admitted on.
   */
  stream(
    request: R,
    requestId: string,
    inputEstimate?: number,
    done?: (answer: Record<string, unknown>) => Promise<void>,
  ): TransformStream<Uint8Array, Uint8Array>;
  /** A native request's stream (what its chat stream carries) → the API's event stream. */
  nativeStream?(): TransformStream<Uint8Array, Uint8Array>;
  /** The stream translation wants each signed thinking block as it completes (ChatCall.thinkingAsSigned). */
  thinkingAsSigned?: boolean;
  /** What the request asks of a reasoning summary, which its chat body cannot say (ChatCall.reasoningSummary). */
  reasoningSummary?(request: R): string | undefined;
  /**
   * The request asks its provider to keep it (`store: true`), said apart because the chat body it
   * becomes leaves that out: a zero-retention key's request is refused as the chat route would.
   */
  storeAsked?(request: R): RetentionParam | undefined;
  /** An error's `param`, named by the chat body (`max_completion_tokens`), as the API names it. */
  errorParam?(param: string): string;
}

export function chatTranslation<R>(translation: ChatTranslation<R>): MiddlewareHandler<AppEnv> {
  return createMiddleware<AppEnv>(async function chatTranslation(c, next) {
    if (c.req.method !== 'POST') return next(); // the route's 405 (src/middleware/route-methods.ts)
    const runtime = await getRuntime(c.env, c.executionCtx);
    const body = await readJsonBody(c.req.raw, runtime.config.limits.maxBodyBytes);
    c.get('log').asked(body);
    const resolved = translation.resolve ? await translation.resolve(c, body, runtime.config) : body;
    const {
      request: asked,
      chat,
      claudeOnly,
      native,
      imagesById,
      strictTools,
      toolPlaces,
    } = translated(c, translation, resolved);
    // The chat handler takes the translated body as read (not written out and read again, where
    // the translation's few extra bytes could push a body just under maxBodyBytes into a 413).
    c.set('chatBody', chat);
    c.set('translatedApi', translation.api);
    if (claudeOnly?.length) c.set('claudeOnly', claudeOnly);
    if (native) c.set('nativeRequest', native);
    if (imagesById?.length) c.set('imagesById', imagesById);
    if (strictTools?.length) c.set('strictTools', strictTools);
    if (toolPlaces?.length) c.set('toolPlaces', toolPlaces);
    if (translation.thinkingAsSigned) c.set('thinkingAsSigned', true);
    const summary = translation.reasoningSummary?.(asked);
    if (summary !== undefined) c.set('reasoningSummary', summary);
    const kept = translation.storeAsked?.(asked);
    if (kept) c.set('storeAsked', kept);
    await next();

    const answer = c.res;
    if (answer.status >= 400 && (translation.errorParam || translation.ownPlace)) {
      const renamed = await renamedParam(answer, ({ param, message }) => {
        const named = { param: translation.errorParam?.(param) ?? param, message };
        return translation.ownPlace?.(c, named) ?? named;
      });
      if (renamed === answer) return;
      c.res = undefined; // as below: the setter would copy the old answer's length
      c.res = renamed;
      return;
    }
    if (answer.status !== 200 || !answer.body) return;
    // The API's own answer, relayed: its JSON as it came, its events out of the chat stream that carried them.
    if (native) {
      if (!answer.headers.get('content-type')?.startsWith('text/event-stream') || !translation.nativeStream)
        return;
      const headers = new Headers(answer.headers);
      c.res = undefined;
      c.res = new Response(answer.body.pipeThrough(translation.nativeStream()), { status: 200, headers });
      return;
    }
    const { request, done } = translation.answered?.(c, asked, runtime.config) ?? { request: asked };
    const requestId = c.get('requestId');
    const headers = new Headers(answer.headers);
    headers.delete('content-length');
    // Unset first: Hono's setter would copy the chat answer's headers (its length) onto the new one.
    c.res = undefined;
    if (answer.headers.get('content-type')?.startsWith('text/event-stream')) {
      const translated = translation.stream(request, requestId, c.get('inputEstimate'), done);
      c.res = new Response(answer.body.pipeThrough(translated), {
        status: 200,
        headers,
      });
      return;
    }
    const completion = (await answer.json()) as Record<string, unknown>;
    headers.set('content-type', 'application/json');
    const translatedAnswer = translation.answer(request, completion, requestId);
    if (done && typeof translatedAnswer === 'object' && translatedAnswer !== null)
      await done(translatedAnswer as Record<string, unknown>);
    c.res = new Response(JSON.stringify(translatedAnswer), { status: 200, headers });
  });
}

/**
 * An error answer whose `param` names a field of the chat body the request became, naming the
 * request's own field instead (a client looks for what it sent); any other answer as it is.
 */
async function renamedParam(
  answer: Response,
  rename: (place: { param: string; message: string }) => { param: string; message: string },
): Promise<Response> {
  if (!answer.headers.get('content-type')?.startsWith('application/json')) return answer;
  const text = await answer.clone().text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return answer;
  }
  const error = (body as { error?: { param?: unknown; message?: unknown } } | null)?.error;
  if (typeof error?.param !== 'string') return answer;
  const message = typeof error.message === 'string' ? error.message : '';
  const place = rename({ param: error.param, message });
  if (place.param === error.param && place.message === message) return answer;
  error.param = place.param;
  if (typeof error.message === 'string') error.message = place.message;
  const headers = new Headers(answer.headers);
  headers.delete('content-length');
  return new Response(JSON.stringify(body), { status: answer.status, headers });
}

/** The resolved body translated; a refusal of it as the client's body names it. */
function translated<R>(c: Context<AppEnv>, translation: ChatTranslation<R>, resolved: unknown) {
  try {
    return translation.request(resolved);
  } catch (error) {
    if (!(error instanceof GatewayError) || error.param === null || !translation.ownPlace) throw error;
    const place = translation.ownPlace(c, { param: error.param, message: error.message });
    if (place.param === error.param && place.message === error.message) throw error;
    throw new GatewayError(error.status, error.type, error.code, place.message, place.param, error.headers);
  }
}
