// The Anthropic beta features a request asks for in its `anthropic-beta` header (Claude Code and
// the Anthropic SDKs send theirs: interleaved thinking, context management…), sent on to an
// Anthropic provider beside the ones its config sets. Bedrock and Vertex AI serve Claude with only
// some of Anthropic's betas (cloudBetas). Other providers have no such header.
import { invalidRequest } from '../errors';

/** A beta's name, as Anthropic spells them (`interleaved-thinking-2025-05-14`). */
const BETA = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const MAX_BETAS = 32;

/** The header's betas (comma-separated); a name that cannot be one is a 400. */
export function requestedBetas(header: string | undefined): string[] {
  if (header === undefined) return [];
  const betas = header
    .split(',')
    .map((beta) => beta.trim())
    .filter((beta) => beta !== '');
  const bad = betas.find((beta) => !BETA.test(beta));
  if (bad !== undefined || betas.length > MAX_BETAS)
    throw invalidRequest(
      bad !== undefined
        ? `The anthropic-beta header holds '${bad.slice(0, 100)}', which is not a beta's name.`
        : `The anthropic-beta header names more than ${MAX_BETAS} betas.`,
      'anthropic-beta',
    );
  return betas;
}

/** The configured betas (a header value) joined with a request's, each once. */
export function joinBetas(configured: string | undefined, requested: readonly string[]): string | undefined {
  const all = new Set(
    (configured ?? '')
      .split(',')
      .map((beta) => beta.trim())
      .filter((beta) => beta !== ''),
  );
  for (const beta of requested) all.add(beta);
  return all.size === 0 ? undefined : [...all].join(',');
}

/**
 * The betas Bedrock and Vertex AI document for Claude. Both refuse any other with a 400 ("invalid
 * beta flag"), and a client that believes it talks to Anthropic sends first-party ones too (Claude
 * Code: claude-code-20250219, fine-grained-tool-streaming-2025-05-14, prompt-caching-scope-…): sent
 * on as they came, every such request a route gave to Bedrock or Vertex failed. Another beta either
 * accepts goes there through the config (Vertex: `headers`) or the body (Bedrock:
 * additionalModelRequestFields.anthropic_beta), never filtered.
 */
const CLOUD_BETAS: Readonly<Record<'bedrock' | 'vertex', ReadonlySet<string>>> = {
  bedrock: new Set([
    'computer-use-2024-10-22',
    'computer-use-2025-01-24',
    'token-efficient-tools-2025-02-19',
    'interleaved-thinking-2025-05-14',
    'output-128k-2025-02-19',
    'dev-full-thinking-2025-05-14',
    'context-1m-2025-08-07',
    'context-management-2025-06-27',
    'effort-2025-11-24',
    'tool-search-tool-2025-10-19',
    'tool-examples-2025-10-29',
  ]),
  vertex: new Set([
    'computer-use-2024-10-22',
    'computer-use-2025-01-24',
    'interleaved-thinking-2025-05-14',
    'context-1m-2025-08-07',
    'context-management-2025-06-27',
    'tool-search-tool-2025-10-19',
    'web-search-2025-03-05',
  ]),
};

/** Of a request's betas, those `cloud` takes for Claude (CLOUD_BETAS); the rest are left out. */
export function cloudBetas(cloud: 'bedrock' | 'vertex', requested: readonly string[]): string[] {
  return requested.filter((beta) => CLOUD_BETAS[cloud].has(beta));
}

/**
 * The beta each of Anthropic's own tools needs on Bedrock and Vertex AI (both name the same ones):
 * the computer-use beta of its generation for computer use and the bash and text editor tools that
 * come with it (the AI SDK's Bedrock and Vertex Anthropic providers send it so), context management
 * for memory, Bedrock's and Vertex's own tool-search beta (a client that talks to Anthropic sends
 * `advanced-tool-use-2025-11-20`, which both refuse: cloudBetas leaves it out), and the web-search
 * beta Google's page asked for at launch.
 */
const TOOL_BETAS: ReadonlyMap<string, string> = new Map([
  ['computer_20241022', 'computer-use-2024-10-22'],
  ['bash_20241022', 'computer-use-2024-10-22'],
  ['text_editor_20241022', 'computer-use-2024-10-22'],
  ['computer_20250124', 'computer-use-2025-01-24'],
  ['bash_20250124', 'computer-use-2025-01-24'],
  ['text_editor_20250124', 'computer-use-2025-01-24'],
  ['text_editor_20250429', 'computer-use-2025-01-24'],
  ['text_editor_20250728', 'computer-use-2025-01-24'],
  ['memory_20250818', 'context-management-2025-06-27'],
  ['tool_search_tool_regex_20251119', 'tool-search-tool-2025-10-19'],
  ['tool_search_tool_bm25_20251119', 'tool-search-tool-2025-10-19'],
  ['web_search_20250305', 'web-search-2025-03-05'],
]);

/** The betas the body's tools need on `cloud`, each once (those it documents: CLOUD_BETAS). */
export function cloudToolBetas(cloud: 'bedrock' | 'vertex', body: Record<string, unknown>): string[] {
  const tools = Array.isArray(body.tools) ? body.tools : [];
  const betas = new Set<string>();
  for (const tool of tools) {
    const type = typeof tool === 'object' && tool !== null ? tool.type : undefined;
    const beta = typeof type === 'string' ? TOOL_BETAS.get(type) : undefined;
    if (beta !== undefined && CLOUD_BETAS[cloud].has(beta)) betas.add(beta);
  }
  return [...betas];
}
