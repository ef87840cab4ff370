// A chat completion → Anthropic's `Message`: the answer of POST /v1/messages. Also the words both
// answers share with the event stream (messages-stream.ts): ids, stop reasons, usage, error types.
import { isRecord } from '../json-record';
import { said } from '../openai/reasoning-text';
import { packBlocks } from '../openai/responses-reasoning';
import { thinkingFromDetails } from '../providers/reasoning-details';
import { isOpenAIReasoning, type OpenAIReasoningBlock } from '../providers/thinking';
import { type BlockPosition, interleave, positionOf, textIn } from '../providers/thinking-order';
import { clientToolName } from './messages-tool-names';

type Json = Record<string, unknown>;

/** The message id, from the request's server id (stable, traceable): `msg_…`. */
export function messageId(requestId: string): string {
  return `msg_${requestId.replace(/^req_/, '')}`;
}

/**
 * stop_reason and stop_sequence for chat's finish_reason. Chat does not say which stop sequence
 * matched, so a stop reads end_turn, unless the answer (`top`: the completion, or the chunk that
 * finished it) names it: Anthropic's and Vertex's Claude in the gateway's extension field
 * `stop_sequence` (src/providers/anthropic-response.ts), Bedrock's Claude in
 * `additionalModelResponseFields.stop_sequence` (there when the request named
 * `additionalModelResponseFieldPaths: ["/stop_sequence"]`). `refused`: the answer said a
 * `refusal` (OpenAI's, whose finish_reason is then a plain stop): Anthropic's `refusal`, which
 * clients act on (a refused turn must be reset before the conversation goes on).
 */
export function stopOf(finishReason: unknown, top: Json, refused = false): Json {
  const matched = matchedSequence(top);
  if (finishReason === 'stop' && matched !== undefined)
    return { stop_reason: 'stop_sequence', stop_sequence: matched };
  const reason = stopReason(finishReason);
  return { stop_reason: refused && reason === 'end_turn' ? 'refusal' : reason, stop_sequence: null };
}

/** The stop sequence an answer (or its finishing chunk) says it stopped on; undefined if none. */
export function matchedSequence(top: Json): string | undefined {
  const bedrock = isRecord(top.additionalModelResponseFields) ? top.additionalModelResponseFields : {};
  for (const matched of [top.stop_sequence, bedrock.stop_sequence])
    if (typeof matched === 'string' && matched !== '') return matched;
  return undefined;
}

function stopReason(finishReason: unknown): string {
  switch (finishReason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

/**
 * Chat usage in Anthropic's words: its input_tokens leave out what the prompt cache read and wrote
 * (the adapters add both into prompt_tokens, src/providers/anthropic-usage.ts).
 */
export function messageUsage(usage: unknown): Json {
  const record = isRecord(usage) ? usage : {};
  const count = (value: unknown) => (typeof value === 'number' ? value : 0);
  const details = isRecord(record.prompt_tokens_details) ? record.prompt_tokens_details : {};
  const read = count(details.cached_tokens);
  // Cache writes: Anthropic's (the gateway's cache_creation_tokens), or OpenAI's cache_write_tokens.
  const created = count(details.cache_creation_tokens ?? details.cache_write_tokens);
  return {
    input_tokens: Math.max(0, count(record.prompt_tokens) - read - created),
    output_tokens: count(record.completion_tokens),
    cache_read_input_tokens: read,
    cache_creation_input_tokens: created,
  };
}

/** A tool call's arguments as the `input` object Anthropic gives; {} when they are no JSON object. */
export function toolInput(args: unknown): Json {
  if (typeof args !== 'string' || args === '') return {};
  try {
    const value: unknown = JSON.parse(args);
    return isRecord(value) ? value : {};
  } catch {
    return {};
  }
}

/** Anthropic's error type for an answer's status (what its SDKs branch on; the OpenAI type is kept otherwise). */
export function anthropicErrorType(status: number, openaiType: unknown): string {
  if (status === 400 || status === 422) return 'invalid_request_error';
  if (status === 401) return 'authentication_error';
  if (status === 402) return 'billing_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 503 || status === 529) return 'overloaded_error';
  if (status === 504 || openaiType === 'timeout_error') return 'timeout_error';
  if (status >= 500) return 'api_error';
  return typeof openaiType === 'string' ? openaiType : 'invalid_request_error';
}

/** The status each error type of the gateway's chat stream has as an answer (src/errors.ts). */
const TYPE_STATUS: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  permission_error: 403,
  rate_limit_error: 429,
  timeout_error: 504,
};

/**
 * Anthropic's error type for the chat error event that ended a stream, as an answer of its status
 * has it: a policy block (an output guardrail) is a `permission_error`, a context overflow or a
 * provider's content filter an `invalid_request_error`, not the outage `api_error` says.
 */
export function streamErrorType(error: Json): string {
  const limited = error.code === 'rate_limit_exceeded';
  const status = limited ? 429 : error.code === 'overloaded' ? 529 : (TYPE_STATUS[String(error.type)] ?? 500);
  return anthropicErrorType(status, error.type);
}

/**
 * The Message for a JSON chat completion (its first choice: Anthropic has no `n`). `toolNames`: the
 * client's name of each tool its chat body named shortened (messages-tool-names.ts).
 */
export function completionToMessage(
  completion: Json,
  id: string,
  model: string,
  toolNames?: ReadonlyMap<string, string>,
): Json {
  const choice =
    Array.isArray(completion.choices) && isRecord(completion.choices[0]) ? completion.choices[0] : {};
  const message = isRecord(choice.message) ? choice.message : {};
  // Signed thinking where Claude wrote it (first, unless its position says otherwise): the client
  // sends it back with tool results, and the newest models check nothing before it changed.
  const blocks = Array.isArray(message.thinking_blocks) ? message.thinking_blocks : [];
  const thinking: { block: Json; position?: BlockPosition }[] = [];
  for (const block of blocks) {
    if (!isRecord(block) || (block.type !== 'thinking' && block.type !== 'redacted_thinking')) continue;
    const { position: _place, ...signed } = block;
    const position = readPosition(block);
    thinking.push(position ? { block: signed, position } : { block: signed });
  }
  // Claude's blocks as OpenRouter gives them (reasoning_details): signed, redacted ones as such.
  if (thinking.length === 0)
    for (const block of thinkingFromDetails(message.reasoning_details)) thinking.push({ block });
  const claude = thinking.length;
  // Unsigned reasoning (DeepSeek's, say, or the summary of OpenAI's) as a stream shows it: a
  // thinking block without signature.
  const answer = said(message);
  const unsigned = answer.reasoning;
  if (claude === 0 && unsigned !== '')
    thinking.push({ block: { type: 'thinking', thinking: unsigned, signature: '' } });
  // OpenAI's encrypted reasoning has no Messages form: packed as a redacted block's data, which
  // clients send back as they got it (messages-request.ts unpacks it); after its summary's block,
  // where the stream puts it.
  for (const block of blocks.filter(isOpenAIReasoning))
    thinking.push({ block: packedOpenAIReasoning(block) });
  const text: Json[] = [];
  if (answer.text !== '') text.push({ type: 'text', text: answer.text });
  const refused = typeof message.refusal === 'string' && message.refusal !== '';
  if (refused) text.push({ type: 'text', text: message.refusal as string });
  const calls = (Array.isArray(message.tool_calls) ? message.tool_calls.filter(isRecord) : []).map(
    (call, index): Json => {
      const fn = isRecord(call.function) ? call.function : {};
      return {
        type: 'tool_use',
        id: typeof call.id === 'string' ? call.id : `toolu_${id.slice(4)}_${index}`,
        name: clientToolName(toolNames, String(fn.name ?? '')),
        input: toolInput(fn.arguments),
      };
    },
  );
  const content = interleave(thinking, text, calls, TEXT_BLOCKS);
  return {
    id,
    type: 'message',
    role: 'assistant',
    model: typeof completion.model === 'string' ? completion.model : model,
    content,
    ...stopOf(choice.finish_reason, completion, refused),
    usage: messageUsage(completion.usage),
  };
}

/** A position the answer's own provider gave (never refused here: a malformed one is none). */
export function readPosition(block: Json): BlockPosition | undefined {
  try {
    return positionOf(block, 'thinking_blocks');
  } catch {
    return undefined;
  }
}

/** Messages text blocks, measured and cut where a thinking block stood (thinking-order.ts). */
const TEXT_BLOCKS = textIn<Json>('text');

/** OpenAI's encrypted reasoning as a Messages block: redacted, its data the gateway's packing. */
export function packedOpenAIReasoning(block: OpenAIReasoningBlock): Json {
  return { type: 'redacted_thinking', data: packBlocks([block]) };
}
