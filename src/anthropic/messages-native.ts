// A /v1/messages request with Anthropic's own tools — server tools Anthropic runs (web_search_…,
// web_fetch_…, code_execution_…) and typed client tools whose schema only Anthropic knows (bash_…,
// text_editor_…, computer_…, memory_…) — or history blocks only server tools produce
// (server_tool_use, web_search_tool_result…): Claude Code's WebSearch sends them. Only Anthropic's
// Messages API takes them, so the request goes there as the client wrote it (ChatCall.native) to a
// target that serves it (ProviderAdapter.servesNative: a provider of type anthropic, or a vertex or
// bedrock Claude model when that cloud runs every tool and block it has: src/providers/vertex-native.ts,
// src/providers/bedrock-native.ts), and
// the answer, JSON or event stream, comes back as Anthropic wrote it (src/routes/native-request.ts).
// The chat pipeline still carries the request on a chat body made from it here: each typed tool as
// a custom tool of its name (what a `tools` guardrail rule sees), and each block the translation
// has no chat form for as a text of its JSON (what guardrails scan and admission estimates).
import { isRecord } from '../json-record';
import { bedrockRunsNative } from '../providers/bedrock-native';
import { Unsupported } from '../providers/types';
import { vertexRunsNative } from '../providers/vertex-native';
import { type NativeRequest, unguardedNative } from '../routes/native-request';
import type { Translated } from './messages-request';
import { contentBlocks, type MessagesRequest } from './messages-schema';

type Json = Record<string, unknown>;

/** What needs Anthropic's API, named as the refusals name it. */
interface Need {
  param: string;
  type: string;
}

/** The translation of a request with Anthropic's own tools or their blocks; undefined without. */
export function nativeRequest(
  request: MessagesRequest,
  translate: (request: MessagesRequest) => Translated,
): Translated | undefined {
  const needs = allNeeds(request);
  const need = needs[0];
  if (!need) return undefined;
  const scanned = {
    ...request,
    tools: request.tools?.map((tool) =>
      isTyped(tool) ? { name: tool.name, input_schema: { type: 'object' } } : tool,
    ),
    messages: request.messages.map((message) =>
      typeof message.content === 'string' ? message : { ...message, content: message.content.map(scannable) },
    ),
  } as MessagesRequest;
  const native: NativeRequest = {
    api: 'messages',
    body: request as Json,
    needs: [...new Set(needs.map(({ type }) => type))],
    loggable: withoutCredentials,
    noTarget: () => noTarget(needs),
    unguarded: () => unguardedNative("Anthropic's server tools", need.param.replace(/\.type$/, '')),
  };
  return { ...translate(scanned), request, native };
}

/** A tool of Anthropic's own schema: any with a type other than custom. */
function isTyped(tool: Json): boolean {
  return tool.type != null && tool.type !== 'custom';
}

/** Block types only Anthropic's server tools (and its MCP connector) produce. */
function isServerBlock(type: unknown): boolean {
  if (typeof type !== 'string') return false;
  if (type === 'server_tool_use' || type === 'mcp_tool_use' || type === 'container_upload') return true;
  return type.endsWith('_tool_result') && type !== 'tool_result';
}

/**
 * The typed tools, then MCP servers (Anthropic's MCP connector: its servers are called from
 * Anthropic's), then the server tool blocks, in order.
 */
function allNeeds(request: MessagesRequest): Need[] {
  const needs: Need[] = [];
  for (const [i, tool] of (request.tools ?? []).entries())
    if (isTyped(tool)) needs.push({ param: `tools[${i}].type`, type: String(tool.type) });
  const servers = (request as Json).mcp_servers;
  if (Array.isArray(servers) && servers.length > 0) needs.push({ param: 'mcp_servers', type: 'mcp_servers' });
  for (const [i, message] of request.messages.entries()) {
    if (typeof message.content === 'string') continue;
    for (const [j, block] of message.content.entries())
      if (isServerBlock(block.type))
        needs.push({ param: `messages[${i}].content[${j}].type`, type: block.type });
  }
  return needs;
}

/** The clouds whose Claude runs some of Anthropic's own tools, each with what it runs. */
const CLOUDS = [
  ['vertex', vertexRunsNative],
  ['bedrock', bedrockRunsNative],
] as const;

/**
 * The 400 when no target of the route serves the request: it names the first need the fewest clouds
 * run (one only Anthropic's own API runs, when there is one: code execution; else, say, web search,
 * which Vertex AI runs and Bedrock does not) and the clouds whose Claude would run the whole request.
 */
function noTarget(needs: readonly Need[]): Unsupported {
  const runners = (type: string) => CLOUDS.filter(([, runs]) => runs(type)).length;
  let need = needs[0]!;
  for (const other of needs) if (runners(other.type) < runners(need.type)) need = other;
  const clouds = CLOUDS.filter(([, runs]) => needs.every(({ type }) => runs(type))).map(([cloud]) => cloud);
  const by =
    clouds.length === 0
      ? "Anthropic's own Messages API (a provider of type anthropic)"
      : `Anthropic's Messages API (a provider of type anthropic, or a Claude model of a provider of type ${clouds.join(' or ')})`;
  return new Unsupported(
    `Invalid '${need.param}': '${need.type}' needs ${by} to run it, and no target of this route is one.`,
    need.param,
  );
}

/**
 * A block as the chat translation reads it: one it translates as it is, any other (a server tool's
 * call or result, a document by URL, a search result) as a text of its JSON.
 */
function scannable(block: Json): Json {
  const known = typeof block.type === 'string' && Object.hasOwn(contentBlocks, block.type);
  const byUrl = block.type === 'document' && isRecord(block.source) && block.source.type === 'url';
  if (!known || byUrl) return { type: 'text', text: JSON.stringify(block) };
  if (block.type === 'tool_result' && Array.isArray(block.content))
    return { ...block, content: block.content.map((inner) => (isRecord(inner) ? scannable(inner) : inner)) };
  return block;
}

/**
 * The MCP connector's `mcp_servers[].authorization_token` is the client's secret for a third
 * party's server: sent to Anthropic, never kept in a log row.
 */
function withoutCredentials(body: Json): Json {
  if (!Array.isArray(body.mcp_servers)) return body;
  return {
    ...body,
    mcp_servers: body.mcp_servers.map((server) =>
      isRecord(server) && server.authorization_token !== undefined
        ? { ...server, authorization_token: '[redacted]' }
        : server,
    ),
  };
}
