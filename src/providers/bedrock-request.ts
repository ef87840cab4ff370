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

/** Parameters read below; anything else that is set and not in DROPPED is refused. */
const HANDLED = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'temperature',
  'top_p',
  'n',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'logprobs',
  'top_logprobs',
  'presence_penalty',
  'frequency_penalty',
]);

/** Set but ignored because they cannot change the answer (listed in bedrock.ts's header). */
export const BEDROCK_DROPPED = new Set([
  'user',
  'seed',
  'metadata',
  'store',
  'service_tier',
  'prediction',
  'prompt_cache_key',
  'safety_identifier',
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
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined || value === null || HANDLED.has(key) || BEDROCK_DROPPED.has(key)) continue;
    throw invalidRequest(`'${key}' is not supported by Bedrock Converse.`, key);
  }
  if ((body.n ?? 1) > 1) throw invalidRequest('Bedrock Converse returns one choice: n must be 1.', 'n');
  if (body.logprobs || body.top_logprobs) {
    throw invalidRequest(
      'Bedrock Converse does not return log probabilities.',
      body.logprobs ? 'logprobs' : 'top_logprobs',
    );
  }
  for (const key of ['presence_penalty', 'frequency_penalty'] as const) {
    if (body[key]) throw invalidRequest(`'${key}' is not supported by Bedrock Converse.`, key);
  }
  if (body.parallel_tool_calls === false) {
    throw invalidRequest('Bedrock Converse cannot disable parallel tool calls.', 'parallel_tool_calls');
  }
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
  };
}
