// Tool names of the Messages API in the chat body. Anthropic takes names of up to 128 characters
// (`^[a-zA-Z0-9_-]{1,128}$`), chat up to 64, as OpenAI, Bedrock's Converse and Gemini do, and
// Claude Code's MCP tools (`mcp__<server>__<tool>`) often pass 64. Such a name goes to every model
// shortened, the same way each time (a prompt cache keeps reading it): a readable prefix and a hash
// of the whole name, as tool ids are (src/providers/tool-ids.ts). The answer's tool calls get the
// client's name back, JSON and streamed.
import { invalidRequest } from '../errors';
import { shortHash } from '../providers/tool-ids';

/** The longest function name chat (and OpenAI) takes. */
const CHAT_NAME_MAX = 64;

/** A tool's name as the chat body gives it: as it is within 64 characters, else shortened. */
export function chatToolName(name: string): string {
  if (name.length <= CHAT_NAME_MAX) return name;
  return `${name.slice(0, CHAT_NAME_MAX - 9)}_${shortHash(name)}`;
}

/**
 * The client's name of each tool the chat body names shortened, by that chat name; undefined when
 * none is. A shortened name that is another tool's chat name as well (two names alike up to their
 * hash, or a tool named so) is a 400 naming the tool: its calls could not be told apart.
 */
export function clientToolNames(tools: readonly { name: string }[] | null | undefined) {
  let names: Map<string, string> | undefined;
  const taken = new Set(tools?.map((tool) => tool.name).filter((name) => name.length <= CHAT_NAME_MAX));
  for (const [index, { name }] of (tools ?? []).entries()) {
    const chat = chatToolName(name);
    if (chat === name) continue;
    names ??= new Map();
    if (taken.has(chat) || (names.has(chat) && names.get(chat) !== name)) {
      const param = `tools[${index}].name`;
      throw invalidRequest(
        `Invalid '${param}': names past ${CHAT_NAME_MAX} characters are shortened for models that take no more, and '${name}' shortened is another tool's name; rename one of them.`,
        param,
      );
    }
    names.set(chat, name);
  }
  return names;
}

/** The name an answer's tool call gives, as the client named its tool. */
export const clientToolName = (names: ReadonlyMap<string, string> | undefined, name: string) =>
  names?.get(name) ?? name;
