// OpenAI chat request → Bedrock Converse request body. Pure: no I/O; refusals are 400s naming the
// parameter. Converse wants strictly alternating user/assistant turns, so adjacent messages of the
// same side (user text, tool results) are merged into one turn, and system/developer messages,
// wherever they appear, become the top-level `system` blocks.
import { invalidRequest } from '../errors';
import type { ChatMessage, ChatRequest, ContentPart } from '../openai/schemas';
import { cloudBetas } from './anthropic-beta';
import { parseDataUrl } from './data-url';
import type { FunctionToolsMessage, FunctionToolsRequest } from './function-tools';
import { emptyLastMessage, lastTurnIndex } from './last-message';
import { NO_EFFECT, OPENAI_ONLY_FEATURES, paramPolicy, stopSequences } from './params';
import {
  bedrockOpenAI,
  bedrockOpenAIEffort,
  claudeThinking,
  NOVA_2_REASONING,
  novaReasoning,
} from './reasoning-effort';
import { systemText } from './system-text';
import { parseThinkingBlocks, sendable, type ThinkingBlock } from './thinking';
import { calledToolText, toolResultText, toolUseId } from './tool-ids';
import { Unsupported } from './types';

type Block = Record<string, unknown>;
interface Turn {
  role: 'user' | 'assistant';
  content: Block[];
}

/** Refused in this order; what is not OpenAI's is forwarded (see nativeFields). */
const PARAMS = paramPolicy({
  refusal: (why) => `Bedrock Converse does not support ${why}.`,
  refuse: {
    n: 'n > 1 (several choices per request)',
    logprobs: 'log probabilities',
    top_logprobs: 'log probabilities',
    presence_penalty: 'presence_penalty',
    frequency_penalty: 'frequency_penalty',
    parallel_tool_calls: 'disabling parallel tool calls',
    ...OPENAI_ONLY_FEATURES,
  },
  // reasoning_effort: Claude's thinking (claudeThinking), Nova 2's reasoningConfig (novaReasoning),
  // refused on other families (refuseEffort).
  translate:
    'model messages stream stream_options temperature top_p max_tokens max_completion_tokens stop tools tool_choice response_format reasoning_effort',
  drop: `user seed safety_identifier ${NO_EFFECT}`,
});

/** Converse's own top-level fields, accepted as they are. */
const CONVERSE_FIELDS = new Set([
  'guardrailConfig',
  'performanceConfig',
  'promptVariables',
  'requestMetadata',
  'additionalModelResponseFieldPaths',
]);

const IMAGE_FORMATS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

const DOCUMENT_FORMATS: Record<string, string> = {
  'application/pdf': 'pdf',
  'text/csv': 'csv',
  'text/html': 'html',
  'text/plain': 'txt',
  'text/markdown': 'md',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
};

/**
 * Parameters that are not OpenAI's: Converse's own top-level fields pass as they are; anything
 * else is a model-native parameter (top_k, thinking…) and goes in additionalModelRequestFields,
 * where the model validates it.
 */
function nativeFields(body: ChatRequest): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const additional: Record<string, unknown> = {};
  for (const [key, value] of PARAMS.native(body)) {
    if (key === 'additionalModelRequestFields' && typeof value === 'object') Object.assign(additional, value);
    else if (CONVERSE_FIELDS.has(key)) out[key] = value;
    else additional[key] = value;
  }
  if (Object.keys(additional).length > 0) out.additionalModelRequestFields = additional;
  return out;
}

function partBlock(part: ContentPart, param: string): Block | undefined {
  switch (part.type) {
    case 'text':
      // Converse refuses a blank text block (as Anthropic does): it is left out.
      return part.text.trim() ? { text: part.text } : undefined;
    case 'image_url': {
      const parsed = parseDataUrl(part.image_url.url);
      const format = parsed && IMAGE_FORMATS[parsed.mediaType];
      if (!parsed || !format) {
        throw new Unsupported(
          'Bedrock Converse needs image bytes: send the image as a base64 data URL (png, jpeg, gif or webp), not a link.',
          `${param}.image_url.url`,
        );
      }
      return { image: { format, source: { bytes: parsed.data } } };
    }
    case 'file': {
      const file = part.file as { file_data?: unknown; filename?: unknown };
      const parsed = typeof file.file_data === 'string' ? parseDataUrl(file.file_data) : undefined;
      const format = parsed && DOCUMENT_FORMATS[parsed.mediaType];
      if (!parsed || !format) {
        throw new Unsupported(
          'Bedrock Converse accepts files as base64 data URLs of pdf, csv, doc(x), xls(x), html, txt or md.',
          `${param}.file`,
        );
      }
      // Converse document names allow only letters, digits, spaces, hyphens, parentheses, brackets.
      // At most one whitespace character in a row (AWS's rule), and no underscores.
      const name = (typeof file.filename === 'string' ? file.filename : 'document')
        .replace(/\.[^.]*$/, '')
        .replace(/[^A-Za-z0-9\s()[\]-]/g, ' ')
        .replace(/\s+/g, ' ')
        .trim()
        .slice(0, 200);
      return { document: { format, name: name || 'document', source: { bytes: parsed.data } } };
    }
    case 'refusal':
      return part.refusal ? { text: part.refusal } : undefined;
    default:
      throw new Unsupported(`Bedrock Converse does not accept '${part.type}' content.`, param);
  }
}

function contentBlocks(content: ChatMessage['content'], param: string): Block[] {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return content.trim() ? [{ text: content }] : [];
  return content.flatMap((part, j): Block[] => {
    const block = partBlock(part, `${param}.${j}`);
    return block ? [block] : [];
  });
}

function textOf(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!content) return '';
  return content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

/**
 * A tool message's output as toolResult content: its text, and the images and documents beside it
 * (a screenshot tool's), which Converse takes there as in a user message, never left out.
 */
function toolResultContent(content: ChatMessage['content'], param: string): Block[] {
  if (typeof content === 'string' || !content?.some((part) => part.type !== 'text')) {
    return [{ text: textOf(content) || '(empty)' }];
  }
  const blocks = contentBlocks(content, param);
  return blocks.length > 0 ? blocks : [{ text: '(empty)' }];
}

function toolUseBlocks(message: Extract<FunctionToolsMessage, { role: 'assistant' }>, i: number): Block[] {
  return (message.tool_calls ?? []).map((call, j) => {
    let input: unknown;
    try {
      input = call.function.arguments.trim() ? JSON.parse(call.function.arguments) : {};
    } catch {
      throw invalidRequest(
        'Tool call arguments must be a JSON object.',
        `messages.${i}.tool_calls.${j}.function.arguments`,
      );
    }
    return { toolUse: { toolUseId: toolUseId(call.id), name: call.function.name, input } };
  });
}

function translateMessages(
  messages: FunctionToolsMessage[],
  reasoning: boolean,
): { system: Block[]; turns: Turn[] } {
  const system: Block[] = [];
  const turns: Turn[] = [];
  const lastTurn = lastTurnIndex(messages); // never left out when empty: see last-message.ts
  const push = (role: Turn['role'], blocks: Block[]) => {
    if (blocks.length === 0) return;
    const last = turns.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  };
  messages.forEach((message, i) => {
    const param = `messages.${i}.content`;
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = systemText(message.content, param);
        if (text) system.push({ text });
        break;
      }
      case 'user': {
        const blocks = contentBlocks(message.content, param);
        if (blocks.length === 0 && i === lastTurn) throw emptyLastMessage('Bedrock', param);
        push('user', blocks);
        break;
      }
      case 'assistant': {
        // Reasoning blocks an earlier answer carried (`thinking_blocks`) go back first, as they came.
        // Only signed (or redacted) blocks can be taken back, and only by a model that gives them.
        const thinking = parseThinkingBlocks(
          (message as { thinking_blocks?: unknown }).thinking_blocks,
          `messages.${i}`,
        )
          .filter((block) => reasoning && sendable(block))
          .map(reasoningBlock);
        const text = contentBlocks(message.content ?? null, param);
        if (message.refusal && text.length === 0) text.push({ text: message.refusal });
        push('assistant', [...thinking, ...text, ...toolUseBlocks(message, i)]);
        break;
      }
      case 'tool':
        push('user', [
          {
            toolResult: {
              toolUseId: toolUseId(message.tool_call_id),
              content: toolResultContent(message.content, param),
            },
          },
        ]);
        break;
      case 'function':
        throw new Unsupported(
          "The legacy 'function' role is not supported: use tools and 'tool' messages.",
          `messages.${i}.role`,
        );
    }
  });
  if (turns[0]?.role !== 'user') {
    throw new Unsupported('Bedrock Converse needs a user message before any assistant message.', 'messages');
  }
  // Assistant messages merged into one turn: its reasoning blocks lead it (a stable sort).
  for (const turn of turns) {
    if (turn.role === 'assistant')
      turn.content.sort((a, b) => Number(!a.reasoningContent) - Number(!b.reasoningContent));
  }
  return { system, turns };
}

/**
 * Documents as Converse takes them: names unique in the request (it refuses two documents of one
 * name, such as two unnamed files, or `report.pdf` beside `report.docx`), and a user turn holding
 * documents has text beside them (it refuses one that has none).
 */
function documentsTold(turns: Turn[]): void {
  const names = new Set<string>();
  const uniqueName = (document: { name: string }) => {
    let name = document.name;
    for (let n = 2; names.has(name.toLowerCase()); n++) name = `${document.name.slice(0, 190)} (${n})`;
    names.add(name.toLowerCase());
    document.name = name;
  };
  for (const turn of turns) {
    let documents = 0;
    let text = false;
    for (const block of turn.content) {
      if (typeof block.text === 'string' && block.text.trim()) text = true;
      // A tool result's documents count among the request's names too.
      const result = block.toolResult as { content: Block[] } | undefined;
      for (const inner of result?.content ?? [])
        if (inner.document) uniqueName(inner.document as { name: string });
      const document = block.document as { name: string } | undefined;
      if (!document) continue;
      documents++;
      uniqueName(document);
    }
    if (turn.role === 'user' && documents > 0 && !text)
      turn.content.push({
        text: documents > 1 ? 'See the attached documents.' : 'See the attached document.',
      });
  }
}

/** A final assistant message (a prefill to continue) loses its trailing whitespace, which Claude refuses. */
function trimPrefill(turns: Turn[]): void {
  const last = turns.at(-1);
  if (last?.role !== 'assistant') return;
  const block = last.content.at(-1);
  if (typeof block?.text !== 'string') return;
  block.text = block.text.trimEnd();
  if (!block.text) last.content.pop();
  if (last.content.length === 0) turns.pop();
}

/** A thinking block as Converse takes it back: signed text, or the encrypted redacted content. */
function reasoningBlock(block: ThinkingBlock): Block {
  if (block.type === 'redacted_thinking') return { reasoningContent: { redactedContent: block.data } };
  const reasoningText = { text: block.thinking, ...(block.signature ? { signature: block.signature } : {}) };
  return { reasoningContent: { reasoningText } };
}

function toolConfig(body: FunctionToolsRequest, turns: Turn[]): Block | undefined {
  const tools = body.tools ?? [];
  const choice = body.tool_choice;
  if (tools.length === 0 && choice && choice !== 'none' && choice !== 'auto') {
    throw invalidRequest('tool_choice needs tools.', 'tool_choice');
  }
  if (tools.length === 0 || choice === 'none') {
    // Converse has no "none", and refuses toolUse/toolResult blocks without a toolConfig: with no
    // tool to call, past calls and results are told as text (a final answer after a tool loop).
    toolHistoryAsText(turns);
    return undefined;
  }
  const specs = tools.map((tool) => ({
    toolSpec: {
      name: tool.function.name,
      ...(tool.function.description ? { description: tool.function.description } : {}),
      inputSchema: { json: tool.function.parameters ?? { type: 'object', properties: {} } },
      // Converse enforces the schema on the call's input, as OpenAI's strict mode does.
      ...(tool.function.strict === true ? { strict: true } : {}),
    },
  }));
  const toolChoice =
    choice === 'required'
      ? { any: {} }
      : choice && typeof choice === 'object'
        ? { tool: { name: choice.function.name } }
        : choice === 'auto'
          ? { auto: {} }
          : undefined;
  return { tools: specs, ...(toolChoice ? { toolChoice } : {}) };
}

/** Rewrites toolUse and toolResult blocks as text blocks that tell the same history. */
function toolHistoryAsText(turns: Turn[]): void {
  for (const turn of turns) {
    turn.content = turn.content.flatMap((block): Block[] => {
      const use = block.toolUse as { toolUseId: string; name: string; input: unknown } | undefined;
      if (use) return [{ text: calledToolText(use.name, use.toolUseId, use.input) }];
      const result = block.toolResult as { toolUseId: string; content: Block[] } | undefined;
      if (result) {
        // Its text goes in the telling; its images and documents follow it as they are.
        const said = result.content.map((c) => (typeof c.text === 'string' ? c.text : '')).join('');
        return [
          { text: toolResultText(result.toolUseId, said) },
          ...result.content.filter((c) => typeof c.text !== 'string'),
        ];
      }
      return [block];
    });
  }
}

function outputConfig(body: ChatRequest): Block | undefined {
  const format = body.response_format;
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_object') {
    throw new Unsupported(
      "Bedrock Converse has no schema-less JSON mode: use response_format 'json_schema' with a schema.",
      'response_format',
    );
  }
  const { name, schema, description } = format.json_schema;
  // OpenAI takes a json_schema without its schema (Anthropic's and Gemini's adapters do too).
  if (!schema)
    throw new Unsupported(
      'json_schema.schema is required for Bedrock.',
      'response_format.json_schema.schema',
    );
  return {
    textFormat: {
      type: 'json_schema',
      structure: {
        jsonSchema: { schema: JSON.stringify(schema), name, ...(description ? { description } : {}) },
      },
    },
  };
}

/**
 * Model families on Bedrock that never take signed reasoning blocks back (a fallback to Nova, a
 * DeepSeek-R1 turn): an id or ARN naming one of them gets none. Anything else — Anthropic's models,
 * and ARNs that name no family (application inference profiles, provisioned throughput) — does.
 */
/** Anthropic's models on Bedrock (and ARNs that name no family), as NO_REASONING_BLOCKS tells them. */
export function bedrockClaude(model: string): boolean {
  return !NO_REASONING_BLOCKS.test(model);
}

const NO_REASONING_BLOCKS =
  /(?:^|[.:/])(?:amazon|meta|mistral|deepseek|cohere|ai21|writer|qwen|openai|twelvelabs|stability|nvidia|moonshot|moonshotai|minimax|google|zai)\./i;

/**
 * max_tokens when thinking from reasoning_effort needs one and the request sets none: the answer's
 * share beside the budget, as the Anthropic adapter's default (Claude wants max_tokens above it).
 */
const DEFAULT_ANSWER_TOKENS = 4096;

/**
 * `model` decides whether an assistant message's signed `thinking_blocks` go back (NO_REASONING_BLOCKS),
 * and whether `reasoning_effort` and the request's Anthropic `betas` apply (Claude models only).
 */
export function toConverseRequest(
  sent: ChatRequest,
  model = '',
  betas: readonly string[] = [],
): Record<string, unknown> {
  const body = PARAMS.refuseUnsupported(sent);
  // Anthropic's models (and ARNs that name no family) — see NO_REASONING_BLOCKS.
  const claude = bedrockClaude(model);
  const native = nativeFields(body);
  const additional = (native.additionalModelRequestFields ?? {}) as Record<string, unknown>;
  // reasoning_effort maps only where the id names a Claude, Nova 2 or OpenAI model (an ARN may name any family).
  const effort = /claude/i.test(model)
    ? claudeThinking(body, model, additional, 'Bedrock Claude')
    : NOVA_2_REASONING.test(model)
      ? effortOnly(novaReasoning(body, additional))
      : bedrockOpenAI(model)
        ? effortOnly(bedrockOpenAIEffort(body, model, additional))
        : refuseEffort(body);
  const { system, turns } = translateMessages(body.messages, claude);
  documentsTold(turns);
  trimPrefill(turns);
  const stop = stopSequences(body.stop, claude ? 'Claude models' : undefined);
  const inferenceConfig: Record<string, unknown> = {};
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens) inferenceConfig.maxTokens = maxTokens;
  else if (effort?.budget) inferenceConfig.maxTokens = DEFAULT_ANSWER_TOKENS + effort.budget;
  if (effort) Object.assign(additional, effort.fields);
  // The client's anthropic-beta header, as Bedrock's Claude models take betas: in the body (only
  // those Bedrock takes: it refuses the whole request for any other).
  const sentBetas = cloudBetas('bedrock', betas);
  if (claude && sentBetas.length > 0)
    additional.anthropic_beta = withBetas(additional.anthropic_beta, sentBetas);
  if (Object.keys(additional).length > 0) native.additionalModelRequestFields = additional;
  if (body.temperature !== undefined && body.temperature !== null)
    inferenceConfig.temperature = body.temperature;
  // Current Claude models refuse both at once, as on Anthropic's own API: top_p only without temperature.
  if (
    body.top_p !== undefined &&
    body.top_p !== null &&
    !(claude && inferenceConfig.temperature !== undefined)
  )
    inferenceConfig.topP = body.top_p;
  if (stop.length) inferenceConfig.stopSequences = stop;
  const tools = toolConfig(body, turns);
  const output = outputConfig(body);
  return {
    messages: turns,
    ...(system.length ? { system } : {}),
    ...(Object.keys(inferenceConfig).length ? { inferenceConfig } : {}),
    ...(tools ? { toolConfig: tools } : {}),
    ...(output ? { outputConfig: output } : {}),
    ...native,
  };
}

/** Nova 2's and OpenAI's effort fields: an effort, not a budget, so no maxTokens for it. */
function effortOnly(fields: Record<string, unknown> | undefined) {
  return fields && { fields, budget: 0 };
}

/** No reasoning control of a model other than Claude, Nova 2 and OpenAI's is mapped: reasoning_effort is refused there. */
function refuseEffort(body: object): undefined {
  if ((body as { reasoning_effort?: unknown }).reasoning_effort == null) return undefined;
  throw new Unsupported(
    "Bedrock Converse does not support reasoning_effort on models other than Claude, Amazon Nova 2 and OpenAI's (send the model's own reasoning fields instead).",
    'reasoning_effort',
  );
}

/** The body's own anthropic_beta list (additionalModelRequestFields) with the request's betas, each once. */
function withBetas(own: unknown, betas: readonly string[]): unknown {
  if (own != null && !Array.isArray(own)) {
    throw invalidRequest(
      'additionalModelRequestFields.anthropic_beta must be an array of beta names.',
      'additionalModelRequestFields.anthropic_beta',
    );
  }
  return [...new Set([...(own ?? []), ...betas])];
}
