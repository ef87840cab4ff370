// OpenAI's custom tools (GPT-5's freeform ones, called with free text or a grammar's sentence rather
// than JSON arguments) and its `allowed_tools` tool choice, for the translating adapters. None of
// their providers has a tool called with free text, so a custom tool, a tool_choice naming one, or a
// custom tool's call in the history is refused (Unsupported: the route's next target is tried, and
// the client gets a 400 naming it when none can serve it), never left out. allowed_tools naming only
// function tools are honoured: the request's tools become the allowed ones and tool_choice the mode
// (auto or required), so the model can call what it could at OpenAI, though it no longer reads the
// other tools' definitions.
import { invalidRequest } from '../errors';
import type { ChatMessage, ChatRequest, FunctionTool, FunctionToolChoice, ToolCall } from '../openai/schemas';
import { Unsupported } from './types';

/** `T` with `U`'s fields in place of its own (unlike Omit, a loose object's index signature is kept). */
type With<T, U> = { [K in keyof T as K extends keyof U ? never : K]: T[K] } & U;
type FunctionCallsOnly<M> = M extends { role: 'assistant' } ? With<M, { tool_calls?: ToolCall[] }> : M;

/** A chat message whose tool calls, if any, are all function calls. */
export type FunctionToolsMessage = FunctionCallsOnly<ChatMessage>;

/** A chat request whose tools, tool choice and tool calls are all function ones: what translators read. */
export type FunctionToolsRequest = With<
  ChatRequest,
  { messages: FunctionToolsMessage[]; tools?: FunctionTool[] | null; tool_choice?: FunctionToolChoice | null }
>;

/**
 * The request with allowed_tools applied, once it holds no custom tool, tool choice or call; else
 * Unsupported naming where one is, worded by `refusal` (the adapter's "… does not support <why>.").
 */
export function functionToolsOnly(
  request: ChatRequest,
  refusal: (why: string) => string,
): FunctionToolsRequest {
  const narrowed = withAllowedTools(request, refusal);
  for (const tool of narrowed.tools ?? [])
    if (tool.type === 'custom')
      throw new Unsupported(refusal(`custom tools ('${tool.custom.name}')`), 'tools');
  const choice = narrowed.tool_choice;
  if (typeof choice === 'object' && choice?.type === 'custom')
    throw new Unsupported(refusal('custom tools'), 'tool_choice');
  for (const [i, message] of narrowed.messages.entries()) {
    if (message.role !== 'assistant') continue;
    const j = message.tool_calls?.findIndex((call) => call.type !== 'function') ?? -1;
    if (j >= 0) throw new Unsupported(refusal('custom tool calls'), `messages[${i}].tool_calls[${j}]`);
  }
  return narrowed as FunctionToolsRequest;
}

/** The request with only the tools allowed_tools name, and their mode as its tool_choice. */
function withAllowedTools(request: ChatRequest, refusal: (why: string) => string): ChatRequest {
  const choice = request.tool_choice;
  if (typeof choice !== 'object' || choice?.type !== 'allowed_tools') return request;
  const { mode, tools: allowed } = choice.allowed_tools;
  const names = allowed.map((entry) => {
    const name = entry.type === 'function' ? (entry.function as { name?: unknown } | null)?.name : undefined;
    if (typeof name !== 'string')
      throw new Unsupported(refusal('allowed_tools naming custom tools'), 'tool_choice');
    return name;
  });
  // A custom tool left out is one the model may not call: refusing it would refuse a request this
  // adapter can answer as OpenAI would.
  const tools = (request.tools ?? []).filter(
    (tool) => tool.type === 'function' && names.includes(tool.function.name),
  );
  const missing = names.find(
    (name) => !tools.some((tool) => tool.type === 'function' && tool.function.name === name),
  );
  if (missing !== undefined)
    throw invalidRequest(
      `tool_choice.allowed_tools names '${missing}', which is not in tools.`,
      'tool_choice',
    );
  if (mode === 'required' && tools.length === 0)
    throw invalidRequest("tool_choice.allowed_tools with mode 'required' names no tool.", 'tool_choice');
  return { ...request, tools, tool_choice: mode };
}
