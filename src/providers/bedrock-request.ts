// OpenAI chat request → Bedrock Converse request body. Pure: no I/O; refusals are 400s naming the
// parameter. Converse wants strictly alternating user/assistant turns, so adjacent messages of the
// same side (user text, tool results) are merged into one turn, and system/developer messages,
// wherever they appear, become the top-level `system` blocks.
import { invalidRequest } from '../errors';
import type { ChatMessage, ChatRequest, ContentPart } from '../openai/schemas';

type Block = Record<string, unknown>;
interface Turn {
  role: 'user' | 'assistant';
  content: Block[];
}

/** OpenAI parameters translated below (or refused there when they cannot be honoured). */
const TRANSLATED = new Set(
  'model messages stream stream_options temperature top_p n max_tokens max_completion_tokens stop tools tool_choice parallel_tool_calls response_format logprobs top_logprobs presence_penalty frequency_penalty logit_bias modalities audio functions function_call web_search_options reasoning_effort'.split(
    ' ',
  ),
);

/** Set but ignored because they cannot change the answer (listed in bedrock.ts's header). */
const DROPPED = new Set(
  'user seed metadata store service_tier prediction prompt_cache_key prompt_cache_retention safety_identifier verbosity'.split(
    ' ',
  ),
);

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

function refuseUnsupported(body: ChatRequest): void {
  const refuse = (param: string, why: string): never => {
    throw invalidRequest(`Bedrock Converse does not support ${why}.`, param);
  };
  const r = body as Record<string, unknown>;
  if ((body.n ?? 1) > 1) refuse('n', 'n > 1 (several choices per request)');
  if (body.logprobs) refuse('logprobs', 'log probabilities');
  if (body.top_logprobs) refuse('top_logprobs', 'log probabilities');
  if (body.presence_penalty) refuse('presence_penalty', 'presence_penalty');
  if (body.frequency_penalty) refuse('frequency_penalty', 'frequency_penalty');
  if (body.parallel_tool_calls === false) refuse('parallel_tool_calls', 'disabling parallel tool calls');
  if (r.logit_bias && Object.keys(r.logit_bias).length > 0) refuse('logit_bias', 'logit_bias');
  if (Array.isArray(r.modalities) && r.modalities.some((m) => m !== 'text')) {
    refuse('modalities', 'output modalities other than text');
  }
  if (r.audio != null) refuse('audio', 'audio output');
  if (r.functions != null) refuse('functions', "the deprecated 'functions' (use tools)");
  if (r.function_call != null) refuse('function_call', "the deprecated 'function_call' (use tool_choice)");
  if (r.web_search_options != null) refuse('web_search_options', 'web search');
  if (r.reasoning_effort != null) {
    refuse('reasoning_effort', "reasoning_effort (send the model's own reasoning fields instead)");
  }
}

/**
 * Parameters that are not OpenAI's: Converse's own top-level fields pass as they are; anything
 * else is a model-native parameter (top_k, thinking…) and goes in additionalModelRequestFields,
 * where the model validates it.
 */
function nativeFields(body: ChatRequest): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const additional: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (value == null || TRANSLATED.has(key) || DROPPED.has(key)) continue;
    if (key === 'additionalModelRequestFields' && typeof value === 'object') Object.assign(additional, value);
    else if (CONVERSE_FIELDS.has(key)) out[key] = value;
    else additional[key] = value;
  }
  if (Object.keys(additional).length > 0) out.additionalModelRequestFields = additional;
  return out;
}

/** `data:<mime>;base64,<data>` → its parts; anything else (http URLs) is undefined. */
function parseDataUrl(url: string): { mime: string; data: string } | undefined {
  const match = /^data:([^;,]+)(?:;[^;,]*)*;base64,(.*)$/s.exec(url);
  return match ? { mime: match[1]!.toLowerCase(), data: match[2]! } : undefined;
}

function partBlock(part: ContentPart, param: string): Block | undefined {
  switch (part.type) {
    case 'text':
      return part.text ? { text: part.text } : undefined;
    case 'image_url': {
      const parsed = parseDataUrl(part.image_url.url);
      const format = parsed && IMAGE_FORMATS[parsed.mime];
      if (!parsed || !format) {
        throw invalidRequest(
          'Bedrock Converse needs image bytes: send the image as a base64 data URL (png, jpeg, gif or webp), not a link.',
          `${param}.image_url.url`,
        );
      }
      return { image: { format, source: { bytes: parsed.data } } };
    }
    case 'file': {
      const file = part.file as { file_data?: unknown; filename?: unknown };
      const parsed = typeof file.file_data === 'string' ? parseDataUrl(file.file_data) : undefined;
      const format = parsed && DOCUMENT_FORMATS[parsed.mime];
      if (!parsed || !format) {
        throw invalidRequest(
          'Bedrock Converse accepts files as base64 data URLs of pdf, csv, doc(x), xls(x), html, txt or md.',
          `${param}.file`,
        );
      }
      // Converse document names allow only letters, digits, spaces, hyphens, parentheses, brackets.
      const name = (typeof file.filename === 'string' ? file.filename : 'document')
        .replace(/\.[^.]*$/, '')
        .replace(/[^\w\s()[\]-]/g, ' ')
        .trim();
      return { document: { format, name: name || 'document', source: { bytes: parsed.data } } };
    }
    case 'refusal':
      return part.refusal ? { text: part.refusal } : undefined;
    default:
      throw invalidRequest(`Bedrock Converse does not accept '${part.type}' content.`, param);
  }
}

function contentBlocks(content: ChatMessage['content'], param: string): Block[] {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return content ? [{ text: content }] : [];
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

function toolUseBlocks(message: Extract<ChatMessage, { role: 'assistant' }>, i: number): Block[] {
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
    return { toolUse: { toolUseId: call.id, name: call.function.name, input } };
  });
}

function translateMessages(messages: ChatMessage[]): { system: Block[]; turns: Turn[] } {
  const system: Block[] = [];
  const turns: Turn[] = [];
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
        const text = textOf(message.content);
        if (text) system.push({ text });
        break;
      }
      case 'user':
        push('user', contentBlocks(message.content, param));
        break;
      case 'assistant': {
        const text = contentBlocks(message.content ?? null, param);
        if (message.refusal && text.length === 0) text.push({ text: message.refusal });
        push('assistant', [...text, ...toolUseBlocks(message, i)]);
        break;
      }
      case 'tool':
        push('user', [
          {
            toolResult: {
              toolUseId: message.tool_call_id,
              content: [{ text: textOf(message.content) || '(empty)' }],
            },
          },
        ]);
        break;
      case 'function':
        throw invalidRequest(
          "The legacy 'function' role is not supported: use tools and 'tool' messages.",
          `messages.${i}.role`,
        );
    }
  });
  if (turns[0]?.role !== 'user') {
    throw invalidRequest('Bedrock Converse needs a user message before any assistant message.', 'messages');
  }
  return { system, turns };
}

function toolConfig(body: ChatRequest, turns: Turn[]): Block | undefined {
  const tools = body.tools ?? [];
  const choice = body.tool_choice;
  const historyHasTools = turns.some((t) => t.content.some((b) => 'toolUse' in b || 'toolResult' in b));
  if (tools.length === 0) {
    if (choice && choice !== 'none' && choice !== 'auto') {
      throw invalidRequest('tool_choice needs tools.', 'tool_choice');
    }
    return undefined;
  }
  if (choice === 'none') {
    // Converse has no "none": leaving the tools out is the same, unless the history uses them.
    if (!historyHasTools) return undefined;
    throw invalidRequest(
      "Bedrock Converse cannot honour tool_choice 'none' in a conversation that already uses tools.",
      'tool_choice',
    );
  }
  const specs = tools.map((tool) => ({
    toolSpec: {
      name: tool.function.name,
      ...(tool.function.description ? { description: tool.function.description } : {}),
      inputSchema: { json: tool.function.parameters ?? { type: 'object', properties: {} } },
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

function outputConfig(body: ChatRequest): Block | undefined {
  const format = body.response_format;
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_object') {
    throw invalidRequest(
      "Bedrock Converse has no schema-less JSON mode: use response_format 'json_schema' with a schema.",
      'response_format',
    );
  }
  const { name, schema, description } = format.json_schema;
  if (!schema)
    throw invalidRequest('json_schema.schema is required for Bedrock.', 'response_format.json_schema.schema');
  return {
    textFormat: {
      type: 'json_schema',
      structure: {
        jsonSchema: { schema: JSON.stringify(schema), name, ...(description ? { description } : {}) },
      },
    },
  };
}

export function toConverseRequest(body: ChatRequest): Record<string, unknown> {
  refuseUnsupported(body);
  const { system, turns } = translateMessages(body.messages);
  const stop = typeof body.stop === 'string' ? [body.stop] : body.stop;
  const inferenceConfig: Record<string, unknown> = {};
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens) inferenceConfig.maxTokens = maxTokens;
  if (body.temperature !== undefined && body.temperature !== null)
    inferenceConfig.temperature = body.temperature;
  if (body.top_p !== undefined && body.top_p !== null) inferenceConfig.topP = body.top_p;
  if (stop?.length) inferenceConfig.stopSequences = stop;
  const tools = toolConfig(body, turns);
  const output = outputConfig(body);
  return {
    messages: turns,
    ...(system.length ? { system } : {}),
    ...(Object.keys(inferenceConfig).length ? { inferenceConfig } : {}),
    ...(tools ? { toolConfig: tools } : {}),
    ...(output ? { outputConfig: output } : {}),
    ...nativeFields(body),
  };
}
