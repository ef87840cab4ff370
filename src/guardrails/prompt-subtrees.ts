// What reaches the model besides the messages' text, as subtrees whose every string and number the
// prompt rules read (text-slots.ts): the parameters the gateway does not know (native-params.ts);
// tool definitions — descriptions and parameter schemas (or a custom tool's grammar), which providers
// write into the prompt; a json_schema response format's description and schema; and the fields a
// message, content part, tool call or tool carries beyond what schemas.ts names, which OpenAI-wire
// providers send as they are (a service's own per-message fields, a `reasoning_content` sent back…),
// but the thought signatures a tool call carries back (signature).
import {
  CHAT_PARAMS,
  type Holder,
  KNOWN_FIELDS,
  nativeSubtrees,
  type Path,
  type Subtree,
} from '../openai/native-params';
import type { ChatRequest, Tool } from '../openai/schemas';

type CustomTool = Extract<Tool, { type: 'custom' }>;

/**
 * The message fields known by role: schemas.ts's, and the gateway's own — an assistant's deprecated
 * `function_call` (its arguments are read as a tool call's, its other fields as a call's) and
 * `thinking_blocks`, signed by the provider that wrote them, which refuses them altered (so they
 * carry no client text to the model), and stripped for every other provider. Not read: a redaction
 * would void the signature. Beside them, `reasoning_content` is the gateway's copy of their text,
 * which no provider gets (OpenAI-wire ones have both stripped): read only in a message without them.
 */
const MESSAGE_FIELDS = new Map(
  [...KNOWN_FIELDS.message].map(([role, fields]) => [
    role,
    new Set([...fields, 'thinking_blocks', ...(role === 'assistant' ? ['function_call'] : [])]),
  ]),
);
const WITH_THINKING_BLOCKS = new Map(
  [...MESSAGE_FIELDS].map(([role, fields]) => [role, new Set([...fields, 'reasoning_content'])]),
);

/** The request's subtrees outside its messages' text, in a fixed order. */
export function promptSubtrees(body: ChatRequest): Subtree[] {
  const trees = nativeSubtrees(body, CHAT_PARAMS);
  const unknown = (value: object, known: ReadonlySet<string> | undefined, path: Path) => {
    for (const [key, field] of Object.entries(value))
      if (field != null && !known?.has(key)) trees.push({ path: [...path, key] });
  };
  /** A tool call's: its `extra_content` read but for the thought signatures in it (signature). */
  const unknownOfCall = (call: object, known: ReadonlySet<string> | undefined, path: Path) => {
    for (const [key, field] of Object.entries(call))
      if (field != null && !known?.has(key))
        trees.push({ path: [...path, key], ...(key === 'extra_content' ? { skip: signature } : {}) });
  };
  body.messages.forEach((message, m) => {
    const at = ['messages', m];
    const known = 'thinking_blocks' in message ? WITH_THINKING_BLOCKS : MESSAGE_FIELDS;
    unknown(message, known.get(message.role), at);
    if (Array.isArray(message.content))
      for (const [p, part] of message.content.entries())
        unknown(part, KNOWN_FIELDS.part.get(part.type), [...at, 'content', p]);
    if (message.role !== 'assistant') return;
    message.tool_calls?.forEach((call, t) => {
      const path = [...at, 'tool_calls', t];
      unknownOfCall(call, KNOWN_FIELDS.toolCall.get(call.type), path);
      if (call.type === 'function') unknown(call.function, KNOWN_FIELDS.callFunction, [...path, 'function']);
      else unknown(call.custom, KNOWN_FIELDS.callCustom, [...path, 'custom']);
    });
    const legacy = (message as { function_call?: unknown }).function_call;
    if (legacy && typeof legacy === 'object')
      unknown(legacy, KNOWN_FIELDS.callFunction, [...at, 'function_call']);
  });
  body.tools?.forEach((tool, t) => {
    unknown(tool, KNOWN_FIELDS.tool.get(tool.type), ['tools', t]);
    if (tool.type === 'custom') {
      customTool(tool.custom, ['tools', t, 'custom']);
      return;
    }
    const fn = ['tools', t, 'function'];
    if (tool.function.description != null) trees.push({ path: [...fn, 'description'] });
    if (tool.function.parameters != null) trees.push({ path: [...fn, 'parameters'], skip: structure });
    unknown(tool.function, KNOWN_FIELDS.toolFunction, fn);
  });
  /** A custom tool's description, and its grammar's definition, read as a JSON schema's patterns are. */
  function customTool(custom: CustomTool['custom'], at: Path) {
    if (custom.description != null) trees.push({ path: [...at, 'description'] });
    unknown(custom, KNOWN_FIELDS.toolCustom, at);
    const format = custom.format;
    if (!format) return;
    unknown(format, KNOWN_FIELDS.customFormat.get(format.type), [...at, 'format']);
    if (format.type !== 'grammar') return;
    trees.push({ path: [...at, 'format', 'grammar', 'definition'] });
    unknown(format.grammar, KNOWN_FIELDS.grammar, [...at, 'format', 'grammar']);
  }
  const format = body.response_format;
  if (format) {
    unknown(format, KNOWN_FIELDS.responseFormat.get(format.type), ['response_format']);
    if (format.type === 'json_schema') {
      const at = ['response_format', 'json_schema'];
      if (format.json_schema.description != null) trees.push({ path: [...at, 'description'] });
      if (format.json_schema.schema != null) trees.push({ path: [...at, 'schema'], skip: structure });
      unknown(format.json_schema, KNOWN_FIELDS.jsonSchema, at);
    }
  }
  return trees;
}

/**
 * A thought signature in a tool call's `extra_content` (Gemini's `google.thought_signature`, sent
 * back with the call it came on): opaque, checked by the provider that issued it, which refuses it
 * altered — not read, as signed thinking blocks are not. A random-looking signature would otherwise
 * be redacted as a secret, and the tool loop refused.
 */
function signature(_holder: Holder, key: string, value: unknown): boolean {
  return key === 'thought_signature' && typeof value === 'string';
}

const TYPE_NAMES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

/**
 * A JSON schema's structure, left unread: a `type` naming JSON types, and a `required` list naming
 * only the properties beside it — property names are object keys, never read, and a `required` entry
 * redacted alone would leave the schema requiring a property it lacks. Any other value is read
 * (descriptions, titles, `enum`, `const`, `default`, `examples`, patterns), as is a `type` or
 * `required` holding anything else.
 */
function structure(holder: Holder, key: string, value: unknown): boolean {
  if (key === 'type') return isTypeName(value) || (Array.isArray(value) && value.every(isTypeName));
  if (key !== 'required' || !Array.isArray(value)) return false;
  const properties = holder.properties;
  if (properties === null || typeof properties !== 'object') return false;
  return value.every((name) => typeof name === 'string' && Object.hasOwn(properties, name));
}

const isTypeName = (value: unknown) => typeof value === 'string' && TYPE_NAMES.has(value);
