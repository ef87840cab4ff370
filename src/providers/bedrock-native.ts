// Which of Anthropic's own tools Claude on Amazon Bedrock runs, so a /v1/messages request with them
// may go to a bedrock target as written (ProviderAdapter.servesNative, src/anthropic/messages-native.ts)
// through InvokeModel, which takes the Messages API's body in Bedrock's envelope (invokeBody). Bedrock
// runs Anthropic's typed client tools, not its server tools:
// - computer use (AWS's "computer use" page: `computer_20241022` with the `computer-use-2024-10-22`
//   beta, `computer_20250124` with `computer-use-2025-01-24`) and the bash and text editor tools that
//   come with it (Bedrock's own validation names `bash_20250124` and `text_editor_20250124` as the
//   tool types it takes; the AI SDK's Bedrock Anthropic provider sends the later text editor versions,
//   each with the computer-use beta of its generation, as here);
// - the memory tool (Anthropic's context-management launch: "also on Amazon Bedrock"), with the
//   `context-management-2025-06-27` beta;
// - tool search by regex, with Bedrock's `tool-search-tool-2025-10-19` beta (a client that talks to
//   Anthropic sends `advanced-tool-use-2025-11-20`, which Bedrock refuses: cloudBetas leaves it out),
//   and the blocks it leaves in history (`server_tool_use`, `tool_search_tool_result`).
// Not there: web search and web fetch (Bedrock's validation refuses `web_search_20250305`), code
// execution, the MCP connector, container uploads, tool search by BM25, and any tool version Bedrock
// does not name (`computer_20251124`, whose beta Bedrock does not list) — a request with one goes to
// Anthropic's API (or Vertex AI's) only.

/** Bedrock's Messages API version, in the body (the Anthropic SDK's Bedrock client sends the same). */
export const BEDROCK_ANTHROPIC_VERSION = 'bedrock-2023-05-31';

/** Tool types and block types Bedrock's Claude takes as Anthropic's API does (their betas: cloudToolBetas). */
const BEDROCK_NATIVE: ReadonlySet<string> = new Set([
  'computer_20241022',
  'bash_20241022',
  'text_editor_20241022',
  'computer_20250124',
  'bash_20250124',
  'text_editor_20250124',
  'text_editor_20250429',
  'text_editor_20250728',
  'memory_20250818',
  'tool_search_tool_regex_20251119',
  'server_tool_use',
  'tool_search_tool_result',
]);

/** Bedrock's Claude runs `need` (a tool's type, a server block's type, or `mcp_servers`). */
export function bedrockRunsNative(need: string): boolean {
  return BEDROCK_NATIVE.has(need);
}

/**
 * A Messages body as InvokeModel takes it: no `model` (it is in the URL) nor `stream` (the operation
 * says it), Bedrock's `anthropic_version` (unless the request sets its own), and `betas` in
 * `anthropic_beta`, after any the body already names. A body's own `anthropic_beta` that is not a
 * list goes as it is, for Bedrock to judge.
 */
export function invokeBody(body: Record<string, unknown>, betas: readonly string[]): Record<string, unknown> {
  const { model: _, stream: __, ...rest } = body;
  const sent: Record<string, unknown> = { anthropic_version: BEDROCK_ANTHROPIC_VERSION, ...rest };
  const own = rest.anthropic_beta ?? [];
  if (Array.isArray(own)) {
    const all = [...new Set([...own, ...betas])];
    if (all.length > 0) sent.anthropic_beta = all;
  }
  return sent;
}
