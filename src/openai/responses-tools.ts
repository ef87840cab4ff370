// Responses tools and tool_choice → chat's: function tools, and custom tools (free text or a
// grammar's sentence: Codex's apply_patch), each nested as chat nests it. A request offering OpenAI's
// hosted tools is served apart (responses-hosted.ts), which hands each here as a function tool. A
// namespace's tools come here one by one (responses-namespaces.ts).
import { invalidRequest, shownValue } from '../errors';
import { isRecord } from '../json-record';
import { checked, paramPath } from './read-body';
import {
  customTool,
  functionTool,
  type ResponsesCustomTool,
  type ResponsesRequest,
} from './responses-schema';
import { strictCompatible } from './strict-compatible';

type Json = Record<string, unknown>;

/**
 * The function tools of a Responses request that leave `strict` unset and whose parameters certainly
 * fit strict mode (strict-compatible.ts): OpenAI's Responses API is strict for those ("If omitted,
 * Responses attempts to use strict validation when the schema is compatible"), chat is not. Only
 * OpenAI's and Azure OpenAI's chat completions are told (ChatCall.strictTools): other services may
 * refuse `strict` (Bedrock for a model without structured outputs, Cohere for some schemas).
 */
export function inferredStrictTools(tools: readonly Json[] | null | undefined): string[] {
  const names: string[] = [];
  for (const tool of tools ?? []) {
    if (tool.type !== 'function' || tool.strict != null || typeof tool.name !== 'string') continue;
    if (isRecord(tool.parameters) && strictCompatible(tool.parameters)) names.push(tool.name);
  }
  return names;
}

/** A Responses tool as chat's; `at` is where the request holds it (a namespace's tools are nested). */
export function chatTool(tool: Json, at: (string | number)[]): Json {
  if (tool.type === 'custom') return chatCustomTool(checked(customTool, tool, at));
  if (tool.type !== 'function') {
    const param = `${paramPath(at)}.type`;
    throw invalidRequest(
      `Invalid '${param}': the gateway serves function and custom tools only; '${shownValue(tool.type)}' is one of OpenAI's hosted or built-in tools.`,
      param,
    );
  }
  const { type: _type, name, description, parameters, strict, ...rest } = checked(functionTool, tool, at);
  const fn: Json = { ...rest, name };
  if (description != null) fn.description = description;
  if (parameters != null) fn.parameters = parameters;
  if (strict != null) fn.strict = strict;
  return { type: 'function', function: fn };
}

/**
 * A custom tool in chat's words: the same tool nested under `custom`, its grammar's syntax and
 * definition under `format.grammar`. Chat serves it as OpenAI does; other providers refuse it as
 * something they cannot do (function-tools.ts), so the route's next target is tried.
 */
function chatCustomTool(tool: ResponsesCustomTool): Json {
  const { type: _type, name, description, format, ...rest } = tool;
  const custom: Json = { ...rest, name };
  if (description != null) custom.description = description;
  if (format?.type === 'grammar') {
    const { type: _grammar, syntax, definition, ...more } = format;
    custom.format = { ...more, type: 'grammar', grammar: { definition, syntax } };
  } else if (format != null) custom.format = format;
  return { type: 'custom', custom };
}

/** tool_choice in chat's words: a named tool nests its name, allowed_tools its mode and tools. */
export function chatToolChoice(choice: NonNullable<ResponsesRequest['tool_choice']>): Json | string {
  if (typeof choice === 'string') return choice;
  if (choice.type === 'function') return { type: 'function', function: { name: choice.name } };
  if (choice.type === 'custom') return { type: 'custom', custom: { name: choice.name } };
  if (!isAllowedTools(choice))
    throw invalidRequest(
      `Invalid 'tool_choice.type': '${choice.type}' chooses one of OpenAI's hosted tools, and 'tools' offers none.`,
      'tool_choice.type',
    );
  const tools = choice.tools.map((tool, index) => {
    const name = typeof tool.name === 'string' ? tool.name : undefined;
    if ((tool.type !== 'function' && tool.type !== 'custom') || !name) {
      const param = `tool_choice.tools[${index}]`;
      throw invalidRequest(
        `Invalid '${param}': allowed_tools may name function and custom tools only, each as {type, name}.`,
        param,
      );
    }
    return tool.type === 'function'
      ? { type: 'function', function: { name } }
      : { type: 'custom', custom: { name } };
  });
  return { type: 'allowed_tools', allowed_tools: { mode: choice.mode, tools } };
}

type ToolChoice = Exclude<NonNullable<ResponsesRequest['tool_choice']>, string>;

function isAllowedTools(choice: ToolChoice): choice is Extract<ToolChoice, { mode: unknown }> {
  return choice.type === 'allowed_tools';
}
