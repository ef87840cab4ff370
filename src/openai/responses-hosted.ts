// A /v1/responses request with OpenAI's hosted or built-in tools (web_search, file_search,
// code_interpreter, image_generation, mcp, computer use, local_shell…), which only OpenAI's own
// Responses API runs: it goes there as the client wrote it (ChatCall.native) to a target that
// serves it (ProviderAdapter.servesNative: OpenAI's API, Azure OpenAI), and the answer, JSON or
// event stream, comes back as OpenAI wrote it. The chat pipeline still carries the request — key,
// limits, budget, guardrails, routing and failover, one log row — on a chat body made from it here:
// the texts of its input (what guardrails scan and admission estimates; an item only hosted tools
// produce, a web_search_call say, is read as its JSON) and each hosted tool as a tool named by its
// type (what a `tools` guardrail rule sees). Stateless like the rest: what needs OpenAI's stored
// state stays refused, and nothing is stored there (`store: false`).
import { isRecord } from '../json-record';
import { Unsupported } from '../providers/types';
import { unguardedNative } from '../routes/native-request';
import { isHostedTool } from './hosted-tools';
import type { Translated } from './responses-request';
import { inputItems, type ResponsesRequest } from './responses-schema';

type Json = Record<string, unknown>;

/** The translation of a request with hosted tools; undefined when it has none. */
export function hostedRequest(
  request: ResponsesRequest,
  chatBody: (request: ResponsesRequest) => Json,
): Translated | undefined {
  const tools = request.tools ?? [];
  const index = tools.findIndex((tool) => isHostedTool(tool.type));
  const hosted = tools[index];
  if (!hosted) return undefined;
  const scanned: Json = {
    ...request,
    tools: tools.map((tool) => (isHostedTool(tool.type) ? { type: 'function', name: tool.type } : tool)),
  };
  const choice = request.tool_choice;
  // A choice of a hosted tool (or a list naming one) says nothing the scan needs.
  if (typeof choice === 'object' && choice !== null && isHostedTool(choice.type)) delete scanned.tool_choice;
  if (Array.isArray(request.input)) scanned.input = request.input.map(scannable);
  return {
    request,
    chat: chatBody(scanned as ResponsesRequest),
    native: {
      api: 'responses',
      // The body's `model` (and a gateway cap) are set per target (openai-responses.ts).
      body: { ...(request as Json), store: false },
      needs: [...new Set(tools.filter((tool) => isHostedTool(tool.type)).map((tool) => tool.type))],
      loggable: (body) =>
        Array.isArray(body.tools)
          ? { ...body, tools: body.tools.map((tool) => (isRecord(tool) ? withoutCredentials(tool) : tool)) }
          : body,
      noTarget: () => noHostedTarget(index, hosted.type),
      unguarded: () => unguardedNative("OpenAI's hosted tools", `tools[${index}]`),
    },
  };
}

/**
 * An `mcp` tool's `authorization` (an OAuth token) and `headers` (an API key, often) are the
 * client's secrets for a third party's server: sent to OpenAI, never kept in a log row. So is the
 * path of its `server_url`, which some servers make an authenticated URL (a key in the path or
 * query): the row keeps its origin, as OpenAI's own Response object does.
 */
function withoutCredentials(tool: Json): Json {
  if (tool.type !== 'mcp') return tool;
  const { authorization, headers, server_url, ...kept } = tool;
  return {
    ...kept,
    ...(server_url !== undefined ? { server_url: serverOrigin(server_url) } : {}),
    ...(authorization !== undefined ? { authorization: '[redacted]' } : {}),
    ...(headers !== undefined ? { headers: '[redacted]' } : {}),
  };
}

/** An MCP server's URL as a log row keeps it: its origin (no credentials, path or query). */
function serverOrigin(url: unknown): unknown {
  if (typeof url !== 'string') return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '[redacted]';
  }
  if (parsed.origin === 'null') return '[redacted]';
  const bare =
    parsed.pathname === '/' && !parsed.search && !parsed.hash && !parsed.username && !parsed.password;
  return bare ? url : `${parsed.origin}/[redacted]`;
}

/**
 * An input item as the chat translation reads it: one it knows as it is (item references were
 * resolved before: src/responses-store/references.ts), any other — a hosted tool's call or output —
 * as its JSON, but for the images in it (an image_generation_call's `result`, a computer_call_output's
 * screenshot), which go as images: read as text, a generated image's base64 was an estimate of
 * hundreds of thousands of tokens, a request refused for good by a key's TPM limit.
 */
function scannable(item: Json): Json {
  const type = item.type ?? 'message';
  if (typeof type === 'string' && Object.hasOwn(inputItems, type)) return item;
  const images: Json[] = [];
  const text = JSON.stringify(item, function imagesApart(this: unknown, key, value: unknown) {
    if (typeof value !== 'string') return value;
    // The generated image, bare base64 (its format is read from its bytes: image-size.ts).
    const generated = this === item && key === 'result' && type === 'image_generation_call';
    if (!generated && !value.startsWith('data:image/')) return value;
    images.push({ type: 'input_image', image_url: generated ? `data:image/png;base64,${value}` : value });
    return '[image]';
  });
  if (images.length === 0) return { type: 'message', role: 'user', content: text };
  return { type: 'message', role: 'user', content: [{ type: 'input_text', text }, ...images] };
}

/** Every target of the route is one that cannot run OpenAI's hosted tools. */
function noHostedTarget(index: number, type: string): Unsupported {
  return new Unsupported(
    `Invalid 'tools[${index}].type': '${type}' is one of OpenAI's hosted or built-in tools, which only OpenAI's Responses API runs (an openai provider on OpenAI's own API, or azure-openai), and no target of this route is one.`,
    `tools[${index}].type`,
  );
}
