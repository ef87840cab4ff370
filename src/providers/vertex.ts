// `type: "vertex"` — Google Cloud Vertex AI, for Gemini and Claude models alike, picked by the
// model id: `claude-…` (`claude-sonnet-4-5@20250929`) is Anthropic's model, served through
// `…/publishers/anthropic/models/{model}:rawPredict` (`:streamRawPredict`); any other id
// (`gemini-2.5-flash`) is Google's, through `…/publishers/google/models/{model}:generateContent`
// (`:streamGenerateContent?alt=sse`). The host is `{location}-aiplatform.googleapis.com`, or
// `aiplatform.googleapis.com` for the `global` location; the path `/v1/projects/{project}/locations/
// {location}/publishers/…` follows it (also after a `baseUrl`, which replaces the host).
//
// Translation is the Gemini adapter's (gemini.ts) and the Anthropic adapter's (anthropic.ts), with
// everything they map, refuse, drop and forward; only the envelope differs: Claude's body carries
// `anthropic_version: "vertex-2023-10-16"` (unless the request sets its own) and no `model`, and
// `anthropic-beta` stays a header. A /v1/messages request with Anthropic's own tools goes in that
// envelope as the client wrote it, its answer relayed as Claude wrote it (anthropic-native.ts), when
// Vertex runs every tool it has (vertex-native.ts: web search, computer use, bash, text editor,
// memory, tool search); one with another (web fetch, code execution, MCP servers) passes it over.
//
// Auth: `Authorization: Bearer` with an OAuth access token, from a service-account key file
// (`serviceAccount`, exchanged and cached by google-token.ts) or given as it is (`accessToken`).
// Errors in Google's shape (`{error: {code, status, message}}`, from Vertex itself, for either
// publisher) are read as the Gemini adapter reads them; Anthropic's own shape as Anthropic's.
//
// Embeddings: Google's text embedding models through `…/publishers/google/models/{model}:predict`
// (`{instances: [{content, task_type?, title?}], parameters: {outputDimensionality?, autoTruncate?}}`
// → `predictions[i].embeddings.values`, with `statistics.token_count`). Vertex's per-call limits
// decide the batches: a Gemini model (gemini-embedding-001) takes one instance per request, the
// others (text-embedding-005, text-multilingual-embedding-002) up to 250 and 20,000 tokens in all,
// estimated here from the texts' UTF-8 length (a token for every 3 bytes: more than the tokenizer
// counts for English, about what it counts for CJK); 4 requests in flight at once, the
// vectors joined in input order. dimensions → parameters.outputDimensionality (the vectors are then
// L2-normalised, as the Gemini adapter does); encoding_format base64 → float32 base64. Usage is the
// sum of the reported token counts (the route estimates it when one is missing). The request's
// own `autoTruncate` goes into parameters; its other own fields into every instance (`task_type`,
// `title`; Gemini's `taskType` is sent as `task_type`, so a route may fail over between the two).
// Token-array inputs are refused; `user` is dropped. Claude ids serve chat only: refused with a 400
// naming `model`, so a route can fail over.
import * as z from 'zod';
import { anthropicChat } from './anthropic';
import { cloudBetas, cloudToolBetas, joinBetas } from './anthropic-beta';
import { anthropicError } from './anthropic-error';
import { nativeMessages } from './anthropic-native';
import { pathSegment, urlUnder } from './base-url';
import { embeddingList, inBatches, normalise, textInputs } from './embeddings';
import { geminiChat } from './gemini';
import { geminiError, parseGeminiError } from './gemini-errors';
import { type AccessTokens, serviceAccountTokens, staticToken } from './google-token';
import { conflictingParam, forwardParam, paramPolicy } from './params';
import { resolveSecret, secretRef } from './secret';
import type { ChatCall, EmbeddingsCall, ProviderAdapter, ProviderDeps } from './types';
import { Unsupported, UpstreamError } from './types';
import {
  fetchUpstream,
  parseAnswer,
  parseErrorBody,
  readErrorText,
  retryAfterMs,
  unexpectedAnswer,
} from './upstream-error';
import { withoutUserinfo } from './url-credentials';
import { vertexRunsNative } from './vertex-native';

export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';

export const vertexProviderSchema = z
  .strictObject({
    type: z.literal('vertex'),
    /** The project id (`my-project-123`, a domain-scoped `example.com:my-project`) or number. */
    project: z
      .string()
      .regex(
        /^(?:[a-z0-9.-]+:)?[a-z0-9][a-z0-9-]{4,28}[a-z0-9]$/,
        'a Google Cloud project id such as my-project-123',
      ),
    /** A region (`us-central1`, `us-east5`, `europe-west1`) or `global`: it names the host too. */
    location: z
      .string()
      .regex(/^(?:global|[a-z]+-[a-z]+\d+)$/, 'a Vertex AI location such as us-central1, us-east5 or global'),
    /** A service-account key file's JSON (best an `env:NAME` secret), exchanged for access tokens. */
    serviceAccount: secretRef.optional(),
    /** An OAuth access token used as it is (it is not renewed): for a proxy, or a short test. */
    accessToken: secretRef.optional(),
    /** Replaces `https://{location}-aiplatform.googleapis.com` (a proxy, a Private Service Connect endpoint, tests). */
    baseUrl: z.url({ protocol: /^https?$/ }).optional(),
    headers: z.record(z.string(), z.string()).optional(),
    models: z.array(z.string().min(1)).optional(),
    /** Claude: max_tokens when the client sets none (Anthropic requires one). */
    defaultMaxTokens: z.number().int().positive().optional(),
    /** Gemini: sent with every chat request unless the client sends its own `safetySettings`. */
    safetySettings: z.array(z.looseObject({ category: z.string(), threshold: z.string() })).optional(),
  })
  .refine((config) => (config.serviceAccount === undefined) !== (config.accessToken === undefined), {
    message: 'give serviceAccount (a service account key file) or accessToken, one of them',
    path: ['serviceAccount'],
  });
export type VertexProviderConfig = z.infer<typeof vertexProviderSchema>;

/** Embedding requests: the request's own fields go into every instance, or into parameters. */
const EMBED_PARAMS = paramPolicy({ translate: 'model input encoding_format dimensions', drop: 'user' });
/** The request's own fields that are `:predict` parameters rather than instance fields. */
const PREDICT_PARAMETERS = new Set(['autoTruncate']);
/** Vertex's documented limits of one text-embedding `:predict` call (a Gemini model's: one instance). */
const EMBED_INSTANCES = 250;
const EMBED_TOKENS = 20_000;
const EMBED_PARALLEL = 4;
const utf8 = new TextEncoder();

const predictSchema = z.looseObject({
  predictions: z.array(
    z.looseObject({
      embeddings: z.looseObject({
        values: z.array(z.number()),
        // `token_count` in :predict answers; the REST reference's TextEmbedding names it `tokenCount`.
        statistics: z
          .looseObject({ token_count: z.number().optional(), tokenCount: z.number().optional() })
          .optional(),
      }),
    }),
  ),
});

/** Claude models are Anthropic's on Vertex AI; every other model id is taken as Google's. */
export function vertexPublisher(model: string): 'anthropic' | 'google' {
  return /^claude-/i.test(model) ? 'anthropic' : 'google';
}

export function createVertex(
  name: string,
  config: VertexProviderConfig,
  deps: ProviderDeps,
): ProviderAdapter {
  const host =
    config.location === 'global'
      ? 'https://aiplatform.googleapis.com'
      : `https://${config.location}-aiplatform.googleapis.com`;
  // The Authorization header is the access token's: a baseUrl user:password cannot go there (and a
  // config with both is refused when written: url-credentials.ts).
  const under = urlUnder(withoutUserinfo(config.baseUrl ?? host, config.headers).url);
  const prefix = `/v1/projects/${pathSegment(config.project)}/locations/${config.location}/publishers`;
  // Vertex's Claude ids are versioned with '@', which is a path character: sent as it is.
  const modelUrl = (publisher: string, model: string, method: string) =>
    under(`${prefix}/${publisher}/models/${pathSegment(model).replace(/%40/g, '@')}:${method}`);
  const tokens = accessTokens(name, config, deps);
  const configured: Record<string, string> = {};
  for (const [header, value] of Object.entries(config.headers ?? {}))
    configured[header.toLowerCase()] = value;
  const defaultMaxTokens = config.defaultMaxTokens ?? 4096;

  const post = async (
    url: string,
    body: unknown,
    signal: AbortSignal,
    extra: Record<string, string> = {},
  ) => {
    const token = await tokens.token(signal);
    return fetchUpstream(deps.fetch, name, url, {
      method: 'POST',
      headers: {
        ...configured,
        ...extra,
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify(body),
      signal,
    });
  };

  /**
   * Posts a Messages API body (translated from chat, or a /v1/messages request as written) to the
   * call's Claude model, with the envelope Vertex wants, and returns its ok answer or throws.
   * `needed`: betas the body's tools need at Vertex, sent beside the request's own.
   */
  const claudeSend =
    (call: ChatCall, needed: readonly string[] = []) =>
    async (body: Record<string, unknown>, signal: AbortSignal) => {
      const { model: _, ...rest } = body; // the model is in the URL: Vertex refuses it in the body
      const sent = { anthropic_version: VERTEX_ANTHROPIC_VERSION, ...rest };
      // The request's betas Vertex takes (it refuses the whole request for any other).
      const betas = cloudBetas('vertex', [...(call.betas ?? []), ...needed]);
      const beta = joinBetas(configured['anthropic-beta'], betas);
      const method = body.stream ? 'streamRawPredict' : 'rawPredict';
      const response = await post(
        modelUrl('anthropic', call.model, method),
        sent,
        signal,
        beta === undefined ? {} : { 'anthropic-beta': beta },
      );
      if (!response.ok) throw await vertexFailure(name, response);
      return response;
    };

  return {
    name,
    type: 'vertex',
    regional: config.location !== 'global',
    models: config.models ?? [],

    chat(call) {
      if (call.native) {
        if (call.native.api !== 'messages' || vertexPublisher(call.model) !== 'anthropic')
          throw new Unsupported(
            `${name} (Vertex AI) serves no ${call.native.api} request as written for '${call.model}'.`,
            'tools',
          );
        return nativeMessages(
          name,
          call,
          call.native.body,
          claudeSend(call, cloudToolBetas('vertex', call.native.body)),
        );
      }
      if (vertexPublisher(call.model) === 'anthropic')
        return anthropicChat(name, call, { defaultMaxTokens }, claudeSend(call));
      return geminiChat(name, call, config.safetySettings, async (action, body, signal) => {
        const response = await post(modelUrl('google', call.model, action), body, signal);
        if (!response.ok) throw await vertexFailure(name, response);
        return response;
      });
    },

    chatOnlyModel: (model) => vertexPublisher(model) === 'anthropic',
    servesClaude: (model) => vertexPublisher(model) === 'anthropic',
    // Vertex AI's Claude runs some of Anthropic's own tools: a /v1/messages request with only those
    // comes as written (vertex-native.ts); one with any other passes this target over.
    servesNative: (api, model, needs) =>
      api === 'messages' && vertexPublisher(model) === 'anthropic' && needs.every(vertexRunsNative),

    async embeddings({ body, model, signal }: EmbeddingsCall) {
      // Unsupported, not the provider's own 400: a route may name a Claude id beside an embedding
      // model, and the next target is tried (an UpstreamError 'caller' ended the request).
      if (vertexPublisher(model) === 'anthropic')
        throw new Unsupported(
          `Provider '${name}' (vertex) embeds with Google's models only: '${model}' serves chat only.`,
          'model',
        );
      const texts = textInputs(body.input, 'Vertex AI embeds text, not token arrays.');
      const fields: Record<string, unknown> = {};
      const parameters: Record<string, unknown> = {};
      if (body.dimensions) parameters.outputDimensionality = body.dimensions;
      for (const [key, value] of EMBED_PARAMS.native(body)) {
        if (key === 'content' || key === 'outputDimensionality') throw conflictingParam(key);
        if (PREDICT_PARAMETERS.has(key)) parameters[key] = value;
        else forwardParam(fields, key === 'taskType' ? 'task_type' : key, value);
      }
      const instances = texts.map((content) => ({ content, ...fields }));
      const url = modelUrl('google', model, 'predict');
      const oneByOne = /^gemini-/i.test(model);
      const predictions = await inBatches(
        instances,
        {
          size: oneByOne ? 1 : EMBED_INSTANCES,
          parallel: EMBED_PARALLEL,
          budget: {
            limit: EMBED_TOKENS,
            weight: ({ content }) => tokenWeight(content),
          },
        },
        signal,
        async (batch, batchSignal) => {
          const sent =
            Object.keys(parameters).length > 0 ? { instances: batch, parameters } : { instances: batch };
          const response = await post(url, sent, batchSignal);
          if (!response.ok) throw await vertexFailure(name, response);
          const answer = parseAnswer(name, await response.text().catch(() => ''), predictSchema);
          if (answer.predictions.length !== batch.length) throw unexpectedAnswer(name);
          return answer.predictions.map(({ embeddings }) => embeddings);
        },
      );
      const vectors = predictions.map(({ values }) => (body.dimensions ? normalise(values) : values));
      let tokens: number | undefined = 0;
      for (const { statistics } of predictions) {
        const count = statistics?.token_count ?? statistics?.tokenCount;
        tokens = count === undefined || tokens === undefined ? undefined : tokens + count;
      }
      return embeddingList(vectors, body.encoding_format, model, tokens);
    },
  };
}

function accessTokens(name: string, config: VertexProviderConfig, deps: ProviderDeps): AccessTokens {
  const secret = resolveSecret(config.serviceAccount ?? config.accessToken, deps.env);
  if (secret.value === undefined) {
    // An unbound env: secret is the operator's to set: every call says which.
    const missing = () =>
      Promise.reject(
        new UpstreamError(
          'config',
          0,
          `Provider '${name}' has no credentials: set the Worker secret ${secret.missing}.`,
        ),
      );
    return { token: missing };
  }
  return config.serviceAccount !== undefined
    ? serviceAccountTokens(name, secret.value, deps.fetch)
    : staticToken(secret.value);
}

/**
 * A failed Vertex answer. Vertex's own errors (auth, quota, a model not enabled) are in Google's
 * shape whichever the publisher; Claude's errors from Anthropic's model server in Anthropic's.
 */
async function vertexFailure(name: string, response: Response): Promise<UpstreamError> {
  const text = await readErrorText(response);
  const google = parseGeminiError(text);
  if (google.status !== undefined || google.code !== undefined)
    return geminiError(name, google, response.status, retryAfterMs(response.headers));
  const parsed = parseErrorBody(text);
  return anthropicError(name, response.status, parsed.type, parsed.message, retryAfterMs(response.headers));
}

/**
 * A text's tokens, estimated high for the per-request limit: 3 UTF-8 bytes a token (English runs
 * nearer 4; CJK about 3), but a digit is a token of its own (numbers tokenize digit by digit).
 */
function tokenWeight(content: string): number {
  const bytes = utf8.encode(content).length;
  const digits = content.replace(/\D/g, '').length;
  return digits + Math.ceil((bytes - digits) / 3);
}
