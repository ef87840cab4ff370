// The tools of an Anthropic request: the client's functions, tool_choice, parallel_tool_calls, and
// response_format — served by Claude's structured outputs (anthropic-output-format.ts) or by a
// JSON tool whose input is the answer.
import { isRecord } from '../json-record';
import type { ChatRequest } from '../openai/schemas';
import { structuredOutput } from './anthropic-output-format';
import type { FunctionToolsRequest } from './function-tools';
import { Unsupported } from './types';

type Block = Record<string, unknown>;

/** The forced tool that carries `response_format` JSON; its input becomes the message content. */
export const JSON_TOOL = 'json_response';

/**
 * How response_format is served: by structured outputs (`native`: anthropic-output-format.ts), by
 * the JSON tool (`byTool`), or by neither where the client sent its own `output_config.format` (or
 * the beta's `output_format`), which wins: the answer is text in that format.
 */
export function outputFormat(
  request: FunctionToolsRequest,
  model: string,
  endpoint: boolean,
  toolForcible: boolean,
): { native?: Record<string, unknown>; byTool?: FunctionToolsRequest['response_format'] } {
  const own = request as { output_config?: unknown; output_format?: unknown };
  if ((isRecord(own.output_config) && own.output_config.format != null) || own.output_format != null)
    return {};
  const format = request.response_format;
  const choice = request.tool_choice;
  // A forced tool wins over response_format (applyTools); an output_config that is no object is
  // the client's to have refused, never replaced.
  const forced = choice === 'required' || (typeof choice === 'object' && choice !== null);
  if (forced || (own.output_config != null && !isRecord(own.output_config))) return { byTool: format };
  const native = structuredOutput(format, model, { endpoint, toolForcible });
  return native ? { native } : { byTool: format };
}

/**
 * tools, tool_choice, parallel_tool_calls and the response_format the JSON tool serves (`format`);
 * returns whether the JSON tool is in. `noForcedTool`: why no tool may be forced (extended
 * thinking, or a model that refuses one).
 */
export function applyTools(
  request: FunctionToolsRequest,
  body: Record<string, unknown>,
  noForcedTool: string | undefined,
  format: FunctionToolsRequest['response_format'],
): boolean {
  const tools: Block[] = (request.tools ?? []).map(({ function: fn }) => ({
    name: fn.name,
    ...(fn.description ? { description: fn.description } : {}),
    input_schema: { type: 'object', ...fn.parameters },
  }));
  const choice = request.tool_choice;
  const noParallel = request.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {};
  let toolChoice: Block | undefined;
  if (choice === 'auto') toolChoice = { type: 'auto', ...noParallel };
  else if (choice === 'required') toolChoice = { type: 'any', ...noParallel };
  else if (choice === 'none') toolChoice = { type: 'none' };
  else if (choice) toolChoice = { type: 'tool', name: choice.function.name, ...noParallel };
  else if (tools.length > 0 && request.parallel_tool_calls === false)
    toolChoice = { type: 'auto', ...noParallel };

  const forcedTool = choice === 'required' || (typeof choice === 'object' && choice !== null);
  if (noForcedTool && forcedTool) throw new Unsupported(noForcedTool, 'tool_choice');
  const jsonTool = (format?.type === 'json_object' || format?.type === 'json_schema') && !forcedTool;
  if (jsonTool) {
    if (tools.some((tool) => tool.name === JSON_TOOL)) {
      // The name is this adapter's own (the tool that carries the JSON): another target may take it.
      throw new Unsupported(`A tool named '${JSON_TOOL}' cannot be combined with response_format.`, 'tools');
    }
    tools.push(jsonToolFor(format));
    // With callable tools the model must either call one or answer through the JSON tool. Where
    // no tool may be forced (extended thinking, the newest models), it is offered the JSON tool.
    if (noForcedTool) {
      if (choice === 'none') tools.splice(0, tools.length - 1); // "none" still holds: only the JSON tool
      toolChoice = { type: 'auto', ...noParallel };
    } else
      toolChoice =
        tools.length > 1 && choice !== 'none'
          ? { type: 'any', ...noParallel }
          : { type: 'tool', name: JSON_TOOL };
  }
  if (tools.length > 0) body.tools = tools;
  if (toolChoice && tools.length > 0) body.tool_choice = toolChoice;
  return jsonTool;
}

function jsonToolFor(format: NonNullable<ChatRequest['response_format']>): Block {
  if (format.type !== 'json_schema') {
    return {
      name: JSON_TOOL,
      description: 'Give your answer to the user as a JSON object.',
      input_schema: { type: 'object' },
    };
  }
  const { name, description, schema } = format.json_schema;
  if (schema && schema.type !== undefined && schema.type !== 'object') {
    throw new Unsupported('Anthropic needs a JSON schema whose root is an object.', 'response_format');
  }
  return {
    name: JSON_TOOL,
    description: `Give your answer to the user as JSON (${name})${description ? `: ${description}` : '.'}`,
    input_schema: { type: 'object', ...schema },
  };
}
