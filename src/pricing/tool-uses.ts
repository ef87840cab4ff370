// The hosted tool uses an answer of OpenAI's Responses API is billed for, read from its output items
// (the JSON answer's `output`, a stream's response.completed or its output_item.done events): each
// web search and file search call (and the search content block some models bill a search), each
// Code Interpreter container its calls ran in, and each image generated.
import { imageFee } from './image-fees';
import {
  billsSearchContentBlock,
  feeOfTool,
  type HostedUse,
  TOOL_FEES,
  type ToolFee,
  type ToolUses,
  toolsOf,
} from './tool-fees';

type Json = Record<string, unknown>;

/**
 * The uses in `output` of a request that offered `tools`, served by `model`; undefined when none is
 * billed. A call is priced by the tool that made it, whose definition the request holds: of several
 * tools of one kind (web_search and web_search_preview), at the dearest.
 */
export function toolUses(tools: unknown, model: string, output: readonly Json[]): ToolUses | undefined {
  const search = dearestFee(tools, model, (type) => type.startsWith('web_search')) ?? 'web_search';
  const container = dearestFee(tools, model, (type) => type === 'code_interpreter') ?? 'container_1g';
  // A search priced as `web_search` on such a model came from the non-preview tool (the preview is
  // dearer there): its content is billed as the block.
  const block = search === 'web_search' && billsSearchContentBlock(model);
  const imageTool = toolsOf(tools).find((tool) => tool.type === 'image_generation');
  const uses: ToolUses = {};
  const add = (use: HostedUse) => {
    uses[use] = (uses[use] ?? 0) + 1;
  };
  const containers = new Set<string>();
  for (const item of output) {
    if (item.type === 'web_search_call' && searched(item)) {
      add(search);
      if (block) add('search_content_block');
    } else if (item.type === 'file_search_call') add('file_search');
    else if (item.type === 'image_generation_call') add(imageFee(imageTool, item));
    else if (item.type === 'code_interpreter_call') {
      // A session per container, however many calls ran in it; a call naming none, one of its own.
      const id = item.container_id;
      if (typeof id === 'string' && containers.has(id)) continue;
      if (typeof id === 'string') containers.add(id);
      add(container);
    }
  }
  return Object.keys(uses).length > 0 ? uses : undefined;
}

/**
 * Whether a web_search_call is billed: OpenAI charges its `search` actions, not the opening of a
 * page or a find in it; a call whose action is not said is charged.
 */
function searched(item: Json): boolean {
  const action = item.action;
  if (typeof action !== 'object' || action === null) return true;
  const type = (action as Json).type;
  return type !== 'open_page' && type !== 'find' && type !== 'find_in_page';
}

function dearestFee(tools: unknown, model: string, kind: (type: string) => boolean): ToolFee | undefined {
  let dearest: ToolFee | undefined;
  let usd = -1;
  for (const tool of toolsOf(tools)) {
    if (typeof tool.type !== 'string' || !kind(tool.type)) continue;
    const fee = feeOfTool(tool, model);
    if (fee && TOOL_FEES[fee] > usd) {
      dearest = fee;
      usd = TOOL_FEES[fee];
    }
  }
  return dearest;
}
