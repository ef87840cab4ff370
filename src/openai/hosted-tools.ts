// Which tools of a /v1/responses request are OpenAI's hosted or built-in tools (web_search,
// file_search, code_interpreter…): any but the function and custom tools the chat translation
// serves itself, alone or grouped in a namespace (responses-namespaces.ts). One with them goes to
// OpenAI's Responses API as it is (responses-hosted.ts).
import { isRecord } from '../json-record';

const OWN_TOOLS = new Set(['function', 'custom', 'namespace']);

export function isHostedTool(type: string): boolean {
  return !OWN_TOOLS.has(type);
}

/**
 * Whether a body's `tools`, as sent (not yet validated), name a hosted tool: read before the body
 * is translated, by what must suit what it reads in to OpenAI (src/responses-store/hosted-items.ts).
 */
export function namesHostedTool(tools: unknown): boolean {
  return (
    Array.isArray(tools) &&
    tools.some((tool) => isRecord(tool) && typeof tool.type === 'string' && isHostedTool(tool.type))
  );
}
