// Which of Anthropic's own tools Claude on Vertex AI runs, so a /v1/messages request with them may go
// to a vertex target as written (ProviderAdapter.servesNative, src/anthropic/messages-native.ts)
// rather than only to Anthropic's API. Vertex's `:rawPredict` takes the Messages API's body, so the
// question is only which tools it knows:
// - web search, `web_search_20250305` (Google's "Web search with Anthropic Claude models" page; the
//   only version it names), and the blocks it leaves in history (`server_tool_use`,
//   `web_search_tool_result`);
// - the typed client tools computer use (the betas `computer-use-2024-10-22` and `-2025-01-24`
//   Vertex documents: `computer_20241022`, `computer_20250124`), bash and the text editor that come
//   with it (the versions the AI SDK's Vertex Anthropic provider lists as the ones Vertex knows),
//   and the memory tool (Anthropic's context-management launch: "also on Vertex AI");
// - tool search (`tool-search-tool-2025-10-19` among Vertex's betas), with its result blocks.
// Not there: web fetch, code execution (and its bash/text-editor result blocks), the MCP connector
// (`mcp_servers`, `mcp_tool_use`), container uploads, and any tool version Vertex does not name —
// a request with one keeps going to Anthropic's API only.

/** Tool types and block types Vertex AI's Claude takes as Anthropic's API does. */
const VERTEX_NATIVE: ReadonlySet<string> = new Set([
  'web_search_20250305',
  'server_tool_use',
  'web_search_tool_result',
  'computer_20241022',
  'computer_20250124',
  'bash_20241022',
  'bash_20250124',
  'text_editor_20241022',
  'text_editor_20250124',
  'text_editor_20250429',
  'text_editor_20250728',
  'memory_20250818',
  'tool_search_tool_regex_20251119',
  'tool_search_tool_bm25_20251119',
  'tool_search_tool_result',
]);

/** Vertex AI's Claude runs `need` (a tool's type, a server block's type, or `mcp_servers`). */
export function vertexRunsNative(need: string): boolean {
  return VERTEX_NATIVE.has(need);
}
