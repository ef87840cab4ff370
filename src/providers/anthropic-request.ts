// OpenAI chat request → Anthropic Messages request body. Pure: no I/O; throws invalidRequest (400)
// for what Anthropic cannot honour. The parameter policy is documented in anthropic.ts.
import { invalidRequest } from '../errors';
import { thinkingBudget } from '../limits/estimate';
import type { ChatRequest, ToolCall } from '../openai/schemas';
import { contentBlocks, imageBlock, systemBlocks } from './anthropic-content';
import { applyTools, outputFormat } from './anthropic-tools';
import { HeldImages, sentImages } from './assistant-images';
import { claudeThinking } from './claude-thinking';
import { claudeSampling, prefillRefusal, refusesForcedTools, takesSystemMessages } from './claude-version';
import type { FunctionToolsMessage } from './function-tools';
import { emptyLastMessage, lastTurnIndex } from './last-message';
import { NO_EFFECT, paramPolicy, stopSequences } from './params';
import { parsePlacedThinking } from './thinking';
import { interleave, textIn } from './thinking-order';
import { calledToolText, failedTool, toolResultText, toolUseId } from './tool-ids';
import { Unsupported } from './types';

type Block = Record<string, unknown>;
interface Turn {
  role: 'user' | 'assistant' | 'system';
  content: Block[];
}

export interface AnthropicRequest {
  body: Record<string, unknown>;
  /** The request carries the JSON tool: a `json_response` tool_use is content, not a tool call. */
  jsonTool: boolean;
}

/** Refused in this order; what is not OpenAI's is forwarded into the Anthropic body. */
const PARAMS = paramPolicy({
  refusal: (why) => `Anthropic models do not support ${why}.`,
  refuse: {
    n: 'n > 1 (several choices per request)',
    logprobs: 'logprobs',
    top_logprobs: 'top_logprobs',
    temperature: { why: 'temperature above 1', when: (t) => t != null && (t as number) > 1 },
    presence_penalty: 'presence_penalty',
    frequency_penalty: 'frequency_penalty',
    logit_bias: 'logit_bias',
    modalities: 'output modalities other than text',
    audio: 'audio output',
    functions: 'the deprecated functions parameter: use tools',
    function_call: 'the deprecated function_call parameter: use tool_choice',
    web_search_options: 'web_search_options',
  },
  translate:
    'model messages stream stream_options max_tokens max_completion_tokens temperature top_p stop tools tool_choice parallel_tool_calls response_format user safety_identifier reasoning_effort',
  drop: `seed ${NO_EFFECT}`,
});

export interface AnthropicRequestOptions {
  /** max_tokens when the client sets none (Anthropic requires one). */
  defaultMaxTokens: number;
  /** metadata.user_id: an opaque form of the client's safety_identifier or user (see anthropic.ts). */
  userId?: string;
  /** The endpoint takes system messages inside `messages` (Anthropic's own API; see translateMessages). */
  systemMessages?: boolean;
  /**
   * The endpoint takes structured outputs (`output_config.format`): Anthropic's own API. Vertex AI
   * turns them off unless an organisation policy allows them (a 400 FAILED_PRECONDITION otherwise).
   */
  structuredOutputs?: boolean;
}

export function toAnthropicRequest(
  sent: ChatRequest,
  model: string,
  options: AnthropicRequestOptions,
): AnthropicRequest {
  const checked = PARAMS.refuseUnsupported(sent);
  // reasoning_effort becomes the native thinking fields first: all below treats them as sent.
  const { reasoning_effort: _, ...rest } = checked as typeof checked & { reasoning_effort?: unknown };
  const effort = claudeThinking(checked, model, checked, 'Anthropic');
  const request = effort ? { ...rest, ...effort.fields } : rest;
  const inPlace = options.systemMessages === true && takesSystemMessages(model);
  const { system, turns } = translateMessages(request.messages, inPlace);
  // A final assistant turn is a prefill, which the newest models refuse: the next target may serve it.
  const noPrefill = turns.at(-1)?.role === 'assistant' ? prefillRefusal(model) : undefined;
  if (noPrefill) throw new Unsupported(noPrefill, `messages[${request.messages.length - 1}]`);
  // Extended thinking spends max_tokens too, and Anthropic wants it above the thinking budget.
  const thinking = thinkingBudget(request);
  // Adaptive thinking has no budget, but forbids forced tools all the same.
  const thinkingOn =
    thinking !== undefined || (request as { thinking?: { type?: unknown } }).thinking?.type === 'adaptive';
  const noForcedTool = thinkingOn
    ? 'With extended thinking, Anthropic models take tool_choice "auto" or "none" only.'
    : refusesForcedTools(model)
      ? `${model} takes tool_choice "auto" or "none" only: Anthropic refuses a forced tool on it.`
      : undefined;
  const body: Record<string, unknown> = {
    model,
    max_tokens:
      request.max_completion_tokens ??
      request.max_tokens ??
      options.defaultMaxTokens + (effort?.budget ?? thinking ?? 0),
    messages: turns,
  };
  if (system.length > 0) body.system = system;
  const sampling = claudeSampling(model, request, (request as { top_k?: unknown }).top_k);
  if (sampling.temperature !== undefined) body.temperature = sampling.temperature;
  // Current Claude models refuse both at once ("alter temperature or top_p, but not both").
  else if (sampling.top_p !== undefined) body.top_p = sampling.top_p;
  const stops = stopSequences(request.stop, 'Anthropic models');
  if (stops.length > 0) body.stop_sequences = stops;
  if (options.userId) body.metadata = { user_id: options.userId };
  if (request.stream) body.stream = true;
  const format = outputFormat(request, model, options.structuredOutputs === true, noForcedTool === undefined);
  const jsonTool = applyTools(request, body, noForcedTool, format.byTool);
  // Anthropic refuses tool_use and tool_result blocks in a request that defines no tools (a
  // "summarise this conversation" call after a tool loop): the history tells them as text instead.
  if (!body.tools) toolHistoryAsText(turns);

  PARAMS.forward(request, body); // provider-native parameters (top_k, thinking…): Anthropic validates them
  // Beside the effort reasoning_effort set and the client's own fields.
  if (format.native)
    body.output_config = { ...(body.output_config as object | undefined), format: format.native };
  return { body, jsonTool };
}

/**
 * The chat messages as Anthropic's `system` and turns. A system (or developer) message the client
 * added once the conversation began goes to the top-level `system` only where the model takes no
 * other (`inPlace` false): moved there, it would change what came before every thinking block
 * already in the conversation, which the newest models refuse (their prefix check). Where it may,
 * it stays in the conversation as a system turn, right after the user turn it came with (a system
 * turn follows a user turn), so it stands in the same place in every later request too.
 */
function translateMessages(
  messages: FunctionToolsMessage[],
  inPlace: boolean,
): { system: Block[]; turns: Turn[] } {
  const system: Block[] = [];
  const turns: Turn[] = [];
  /** Mid-conversation system text, until the user turn it follows is complete. */
  let held: Block[] = [];
  /** The held system text as a turn after the user's, or at the top-level where none is before it. */
  const release = () => {
    if (held.length === 0) return;
    if (turns.at(-1)?.role === 'user') turns.push({ role: 'system', content: held });
    else system.push(...held);
    held = [];
  };
  const lastTurn = lastTurnIndex(messages); // never left out when empty: see last-message.ts
  /** An answer's images: an assistant turn holds none, so they go to the next user turn. */
  const images = new HeldImages<Block>((text) => ({ type: 'text', text }));
  const push = (role: Turn['role'], content: Block[]) => {
    // Anthropic refuses empty turns: one with nothing left (an empty answer sent back in the
    // history, say) is left out, so the turns either side of it merge.
    if (content.length === 0) return;
    if (role === 'assistant') release();
    const last = turns.at(-1);
    if (last?.role !== role) {
      // One message's own blocks keep their order: an answer's thinking where Claude wrote it.
      turns.push({ role, content });
      return;
    }
    last.content.push(...content);
    // Merged messages: Anthropic wants a user turn's tool_result blocks before anything else in
    // it, and an assistant turn's thinking blocks (stable sorts: the rest keeps its order).
    last.content.sort((a, b) => rank(a) - rank(b));
  };
  messages.forEach((message, i) => {
    const path = `messages[${i}]`;
    switch (message.role) {
      case 'system':
      case 'developer':
        if (inPlace && turns.length > 0) held.push(...systemBlocks(message.content, `${path}.content`));
        else system.push(...systemBlocks(message.content, `${path}.content`));
        break;
      case 'user': {
        const blocks = contentBlocks(message.content, `${path}.content`);
        if (blocks.length === 0 && i === lastTurn) throw emptyLastMessage('Anthropic', `${path}.content`);
        push('user', [...images.take(), ...blocks]);
        break;
      }
      case 'assistant':
        push('assistant', assistantBlocks(message, path));
        images.hold(sentImages(message, path).map((image) => imageBlock(image.url, image.path)));
        break;
      case 'tool': {
        const content =
          typeof message.content === 'string'
            ? message.content.trim() && message.content
            : contentBlocks(message.content, `${path}.content`);
        // An empty result is sent without content, which Anthropic accepts (an empty text is not).
        const result: Block = { type: 'tool_result', tool_use_id: toolUseId(message.tool_call_id) };
        if (content.length > 0) result.content = content;
        // Anthropic's own flag, which a /v1/messages request's tool_result carried (claude-fields.ts).
        if (failedTool(message)) result.is_error = true;
        push('user', [result]);
        break;
      }
      case 'function':
        throw new Unsupported(
          'Messages with role "function" are deprecated: use tool messages.',
          `${path}.role`,
        );
    }
  });
  // Images after the last tool results follow them; after a final answer (a prefill), none.
  if (turns.at(-1)?.role === 'user') push('user', images.take());
  release();
  // A final assistant turn is a prefill, and Anthropic refuses one that ends in whitespace.
  const last = turns.at(-1);
  const prefill = last?.role === 'assistant' ? last.content.at(-1) : undefined;
  if (prefill?.type === 'text') prefill.text = (prefill.text as string).trimEnd(); // never blank: see anthropic-content.ts
  return { system, turns };
}

const FIRST = new Set(['tool_result', 'thinking', 'redacted_thinking']);
const rank = (block: Block) => (FIRST.has(block.type as string) ? 0 : 1);

function assistantBlocks(
  message: Extract<FunctionToolsMessage, { role: 'assistant' }>,
  path: string,
): Block[] {
  // Thinking blocks an earlier answer carried (`thinking_blocks`) go back as they came, each where
  // it stood among the text and tool calls (first, unless its position says otherwise).
  const thinking = parsePlacedThinking((message as { thinking_blocks?: unknown }).thinking_blocks, path);
  const content = message.content;
  const text =
    typeof content === 'string' || Array.isArray(content) ? contentBlocks(content, `${path}.content`) : [];
  if (thinking.length === 0 && text.length === 0 && message.refusal?.trim())
    text.push({ type: 'text', text: message.refusal });
  const calls = (message.tool_calls ?? []).map((call, j) =>
    toolUseBlock(call, `${path}.tool_calls[${j}].function.arguments`),
  );
  return interleave(thinking, text, calls, TEXT_BLOCKS);
}

/** Anthropic's text blocks, measured and cut where a thinking block stood (thinking-order.ts). */
const TEXT_BLOCKS = textIn<Block>('text');

function toolUseBlock(call: ToolCall, path: string): Block {
  let input: unknown = {};
  try {
    if (call.function.arguments.trim()) input = JSON.parse(call.function.arguments);
  } catch {
    throw invalidRequest('Tool call arguments must be a JSON object.', path);
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalidRequest('Tool call arguments must be a JSON object.', path);
  }
  return { type: 'tool_use', id: toolUseId(call.id), name: call.function.name, input };
}

/** Rewrites tool_use and tool_result blocks as text that tells the same history. */
function toolHistoryAsText(turns: Turn[]): void {
  for (const turn of turns) {
    turn.content = turn.content.flatMap((block): Block[] => {
      if (block.type === 'tool_use') {
        return [{ type: 'text', text: calledToolText(block.name, block.id, block.input) }];
      }
      if (block.type !== 'tool_result') return [block];
      const content = (block.content ?? []) as string | Block[];
      const parts = typeof content === 'string' ? [{ type: 'text', text: content }] : content;
      const said = parts.flatMap((part) => (part.type === 'text' ? [part.text as string] : [])).join('');
      const text = toolResultText(block.tool_use_id, said, block.is_error === true);
      return [{ type: 'text', text }, ...parts.filter((part) => part.type !== 'text')];
    });
  }
}
