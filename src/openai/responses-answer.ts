// A chat completion → OpenAI's `Response` object: the answer of POST /v1/responses. The request's
// own settings are echoed, as OpenAI does (the schema requires them), with the API's defaults where
// the request left them out; `store` and `previous_response_id` as the route set them (keeping.ts).
import { isRecord } from '../json-record';
import { parseDataUrl } from '../providers/data-url';
import { thinkingFromDetails } from '../providers/reasoning-details';
import { said } from './reasoning-text';
import { namespacesOf } from './responses-namespaces';
import { reasoningItem, thinkingBlocksOf } from './responses-reasoning';
import type { ResponsesRequest } from './responses-schema';

type Json = Record<string, unknown>;

/** The ids one response's parts carry, all derived from the request's server id (stable, traceable). */
export interface ResponseIds {
  response: string;
  message: string;
  reasoning: string;
  /** A function call's item id, by its place among the answer's calls. */
  call: (index: number) => string;
  /** A custom tool call's item id (`ctc_`, as OpenAI's), by its place among the answer's calls. */
  customCall: (index: number) => string;
  /** An image_generation_call's item id (`ig_`, as OpenAI's), by its place among the answer's images. */
  image: (index: number) => string;
}

export function responseIds(requestId: string): ResponseIds {
  const base = requestId.replace(/^req_/, '');
  return {
    response: `resp_${base}`,
    message: `msg_${base}`,
    reasoning: `rs_${base}`,
    call: (index) => `fc_${base}_${index}`,
    customCall: (index) => `ctc_${base}_${index}`,
    image: (index) => `ig_${base}_${index}`,
  };
}

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

/** The Response object around `output`, echoing the request's settings. */
export function responseObject(
  request: ResponsesRequest,
  fields: {
    id: string;
    createdAt: number;
    model: string;
    status: ResponseStatus;
    output: Json[];
    usage: Json | null;
    incompleteReason?: string | undefined;
    error?: { code: string; message: string } | undefined;
  },
): Json {
  return {
    id: fields.id,
    object: 'response',
    created_at: fields.createdAt,
    status: fields.status,
    completed_at: fields.status === 'completed' ? Math.floor(Date.now() / 1000) : null,
    error: fields.error ?? null,
    incomplete_details: fields.incompleteReason ? { reason: fields.incompleteReason } : null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    model: fields.model,
    output: fields.output,
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: request.previous_response_id ?? null,
    // Only one this answer was appended to (keeping.ts sets it so); absent otherwise, as before.
    ...(isRecord(request.conversation) ? { conversation: { id: request.conversation.id } } : {}),
    reasoning: { effort: request.reasoning?.effort ?? null, summary: request.reasoning?.summary ?? null },
    service_tier: request.service_tier ?? null,
    store: request.store === true,
    temperature: request.temperature ?? 1,
    text: { format: request.text?.format ?? { type: 'text' } },
    tool_choice: request.tool_choice ?? 'auto',
    // A function tool's optional fields are nullable there; a custom tool's description is not.
    tools: (request.tools ?? []).map((tool) =>
      tool.type === 'function' ? { description: null, parameters: null, strict: null, ...tool } : tool,
    ),
    top_p: request.top_p ?? 1,
    truncation: 'disabled',
    // An object or absent (the schema has no null for it): absent until the answer reports it.
    ...(fields.usage ? { usage: fields.usage } : {}),
    // A string or absent (the schema has no null for it).
    ...(request.user != null ? { user: request.user } : {}),
    metadata: request.metadata ?? {},
  };
}

/** Chat usage in the Responses' words; null when the answer reported none. */
export function responseUsage(usage: unknown): Json | null {
  if (!isRecord(usage)) return null;
  const count = (value: unknown) => (typeof value === 'number' ? value : 0);
  const prompt = isRecord(usage.prompt_tokens_details) ? usage.prompt_tokens_details : {};
  const completion = isRecord(usage.completion_tokens_details) ? usage.completion_tokens_details : {};
  const input = count(usage.prompt_tokens);
  const output = count(usage.completion_tokens);
  return {
    input_tokens: input,
    input_tokens_details: {
      cached_tokens: count(prompt.cached_tokens),
      // What Anthropic and Bedrock wrote to their prompt cache (the adapters' cache_creation_tokens),
      // or OpenAI (its own cache_write_tokens).
      cache_write_tokens: count(prompt.cache_creation_tokens ?? prompt.cache_write_tokens),
    },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: count(completion.reasoning_tokens) },
    total_tokens: typeof usage.total_tokens === 'number' ? usage.total_tokens : input + output,
  };
}

/**
 * The code of a failed Response's error, for the chat error event that ended its stream, among the
 * codes the Responses spec lists: a failure of the provider or the gateway (an `api_error` or
 * `timeout_error`) is `server_error`, a rate limit `rate_limit_exceeded`, and what the request or a
 * policy caused (a guardrail's block, a context too long, a content filter: chat's
 * `permission_error` and `invalid_request_error`) `invalid_prompt`, as OpenAI answers a prompt its
 * policy refuses — so a client does not take it for an outage; the message says which.
 */
export function responseErrorCode(error: Json): string {
  if (error.code === 'rate_limit_exceeded' || error.type === 'rate_limit_error') return 'rate_limit_exceeded';
  const callers = error.type === 'permission_error' || error.type === 'invalid_request_error';
  return callers ? 'invalid_prompt' : 'server_error';
}

/** Why an answer stopped short, as `incomplete_details.reason`; undefined when it finished. */
export function incompleteReason(finishReason: unknown): string | undefined {
  if (finishReason === 'length') return 'max_output_tokens';
  if (finishReason === 'content_filter') return 'content_filter';
  return undefined;
}

export function messageItem(id: string, status: string, content: Json[]): Json {
  return { type: 'message', id, status, role: 'assistant', content };
}

export function textPart(text: string, logprobs: Json[] = []): Json {
  return { type: 'output_text', text, annotations: [], logprobs };
}

/**
 * A chat choice's `logprobs` (asked for by `top_logprobs`) as the Responses' list: the same tokens,
 * with `bytes` a list where chat may say null.
 */
export function responseLogprobs(logprobs: unknown): Json[] {
  const tokens = isRecord(logprobs) && Array.isArray(logprobs.content) ? logprobs.content : [];
  const bytes = (value: unknown) => (Array.isArray(value) ? value : []);
  return tokens.filter(isRecord).map((token) => ({
    token: token.token,
    logprob: token.logprob,
    bytes: bytes(token.bytes),
    top_logprobs: (Array.isArray(token.top_logprobs) ? token.top_logprobs : [])
      .filter(isRecord)
      .map((top) => ({ token: top.token, logprob: top.logprob, bytes: bytes(top.bytes) })),
  }));
}

/** A function's call; `namespace` the one the request put the function in (responses-namespaces.ts). */
export function functionCallItem(
  id: string,
  callId: string,
  name: string,
  args: string,
  status: string,
  namespace?: string,
): Json {
  return {
    type: 'function_call',
    id,
    call_id: callId,
    ...inNamespace(namespace),
    name,
    arguments: args,
    status,
  };
}

/** A custom tool's call: `input` is the free text the model wrote for it. */
export function customToolCallItem(
  id: string,
  callId: string,
  name: string,
  input: string,
  status: string,
  namespace?: string,
): Json {
  return { type: 'custom_tool_call', id, call_id: callId, ...inNamespace(namespace), name, input, status };
}

function inNamespace(namespace: string | undefined): Json {
  return namespace === undefined ? {} : { namespace };
}

/**
 * A chat tool call (function or custom) as its output item, `index` its place among the answer's
 * calls; `namespaces` says which namespace each namespaced tool's name is in (namespacesOf).
 */
export function callItem(
  call: Json,
  index: number,
  ids: ResponseIds,
  status: string,
  namespaces: ReadonlyMap<string, string>,
): Json {
  if (call.type === 'custom' || isRecord(call.custom)) {
    const custom = isRecord(call.custom) ? call.custom : {};
    const id = ids.customCall(index);
    const name = String(custom.name ?? '');
    return customToolCallItem(
      id,
      String(call.id ?? id),
      name,
      typeof custom.input === 'string' ? custom.input : '',
      status,
      namespaces.get(name),
    );
  }
  const fn = isRecord(call.function) ? call.function : {};
  const id = ids.call(index);
  const name = String(fn.name ?? '');
  return functionCallItem(
    id,
    String(call.id ?? id),
    name,
    typeof fn.arguments === 'string' ? fn.arguments : '',
    status,
    namespaces.get(name),
  );
}

/**
 * The images a chat message or delta carries (`images`, output-images.ts) as the bare base64 of
 * each: the `result` of the image_generation_call item the Responses API gives a made image. An
 * image given by link, not bytes, has no such form and is left out.
 */
export function imagesOf(message: Json): string[] {
  const images = Array.isArray(message.images) ? message.images.filter(isRecord) : [];
  return images.flatMap((image) => {
    const url = isRecord(image.image_url) ? image.image_url.url : undefined;
    const parsed = typeof url === 'string' ? parseDataUrl(url) : undefined;
    return parsed ? [parsed.data] : [];
  });
}

export function imageGenerationItem(id: string, result: string | null, status: string): Json {
  return { type: 'image_generation_call', id, status, result };
}

/** The Response for a JSON chat completion (its first choice: the Responses API has no `n`). */
export function completionToResponse(request: ResponsesRequest, completion: Json, ids: ResponseIds): Json {
  const choice =
    Array.isArray(completion.choices) && isRecord(completion.choices[0]) ? completion.choices[0] : {};
  const message = isRecord(choice.message) ? choice.message : {};
  const reason = incompleteReason(choice.finish_reason);
  const itemStatus = reason ? 'incomplete' : 'completed';
  const output: Json[] = [];
  const answer = said(message);
  // The model's reasoning first, as OpenAI orders a response's items.
  const reasoning = answer.reasoning;
  // Signed blocks: Anthropic's and Bedrock's, or Claude's as OpenRouter gives them (reasoning_details).
  const own = thinkingBlocksOf(message.thinking_blocks);
  const blocks = own.length > 0 ? own : thinkingFromDetails(message.reasoning_details);
  if (reasoning !== '' || blocks.length > 0)
    output.push(reasoningItem(ids.reasoning, reasoning, blocks, itemStatus));
  const content: Json[] = [];
  if (answer.text !== '') content.push(textPart(answer.text, responseLogprobs(choice.logprobs)));
  if (typeof message.refusal === 'string' && message.refusal !== '')
    content.push({ type: 'refusal', refusal: message.refusal });
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls.filter(isRecord) : [];
  // A turn with neither text nor calls is still a (empty) message, so output_text reads ''.
  if (content.length > 0 || calls.length === 0)
    output.push(messageItem(ids.message, itemStatus, content.length > 0 ? content : [textPart('')]));
  imagesOf(message).forEach((result, index) => {
    output.push(imageGenerationItem(ids.image(index), result, 'completed'));
  });
  const namespaces = namespacesOf(request.tools);
  calls.forEach((call, index) => {
    output.push(callItem(call, index, ids, 'completed', namespaces));
  });
  return responseObject(request, {
    id: ids.response,
    createdAt: typeof completion.created === 'number' ? completion.created : Math.floor(Date.now() / 1000),
    model: typeof completion.model === 'string' ? completion.model : request.model,
    status: reason ? 'incomplete' : 'completed',
    output,
    usage: responseUsage(completion.usage),
    incompleteReason: reason,
  });
}
