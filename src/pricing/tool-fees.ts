// Fees for the providers' own tools, billed apart from tokens: OpenAI's hosted tools (its pricing
// page, "Built-in tools") on a /v1/responses request served with them (openai/responses-hosted.ts),
// and Anthropic's web search on a /v1/messages request with its server tools. The answer's calls
// are counted by fee (tool-uses.ts; Anthropic's usage counts its searches) into the usage's
// `hosted_tools`, which costOf charges from this table and a log row's usageDetail keeps.
import { isRecord } from '../json-record';
import { ENCRYPTED_REASONING } from '../providers/openai-responses-request';
import type { NativeApi } from '../providers/types';
import { IMAGE_FEES, imageFee } from './image-fees';

/** USD per call, or per container session, as the providers list them. */
export const TOOL_FEES = {
  /** Web search, any model: $10 per 1,000 calls; the search content tokens are in the usage's input. */
  web_search: 0.01,
  /** Web search preview on a model that does not reason: $25 per 1,000 calls (its content tokens free). */
  web_search_preview: 0.025,
  /** File search: $2.50 per 1,000 calls (its storage, billed by the day, is not a request's). */
  file_search: 0.0025,
  /**
   * Code Interpreter containers by memory size: the full 20-minute session's rate. OpenAI bills
   * shorter ones by the minute (5 at least), which the answer does not tell: the session rate is
   * the most a session costs.
   */
  container_1g: 0.03,
  container_4g: 0.12,
  container_16g: 0.48,
  container_64g: 1.92,
  /**
   * Anthropic's web search (`usage.server_tool_use.web_search_requests`): $10 per 1,000 (its pricing
   * page, on its API and Vertex AI alike), whatever the model or service tier. Web fetch has no fee.
   */
  anthropic_web_search: 0.01,
  /** Image generation: per image by model, quality and size, or a bound per call (image-fees.ts). */
  ...IMAGE_FEES,
} as const;
export type ToolFee = keyof typeof TOOL_FEES;
export const TOOL_FEE_NAMES = Object.keys(TOOL_FEES) as [ToolFee, ...ToolFee[]];

/**
 * Web search content that OpenAI bills as a fixed block of input tokens per call, at the model's
 * input rate (costOf), instead of as the content fed to the model: "For gpt-4o-mini and gpt-4.1-mini
 * with the web search non-preview tool, search content tokens are charged as a fixed block of 8,000
 * input tokens per call" (its pricing page, "Built-in tools": developers.openai.com/api/docs/pricing,
 * seen 2026-12-07; its platform.openai.com copy of late 2025 says the same). Whether the usage's
 * input_tokens already holds the content OpenAI does not say: the block is charged on top, which
 * may overcharge by that content but never charges less.
 */
export const SEARCH_CONTENT_BLOCK_TOKENS = 8_000;
/** The models (any dated snapshot) whose `web_search` calls are billed SEARCH_CONTENT_BLOCK_TOKENS. */
const SEARCH_CONTENT_BLOCK_MODEL = /^gpt-(?:4o|4\.1)-mini(?:-\d{4}-\d{2}-\d{2})?$/;

/** Whether `model` (a target's; a provider's prefix allowed) bills a search content block a web search. */
export function billsSearchContentBlock(model: string): boolean {
  return SEARCH_CONTENT_BLOCK_MODEL.test(model.slice(model.lastIndexOf('/') + 1));
}

/**
 * A usage's billable hosted tool uses: calls, or containers, by the fee each is charged; and
 * `search_content_block`, the web search calls billed SEARCH_CONTENT_BLOCK_TOKENS of input each.
 */
export type HostedUse = ToolFee | 'search_content_block';
export type ToolUses = Partial<Record<HostedUse, number>>;
export const HOSTED_USE_NAMES = [...TOOL_FEE_NAMES, 'search_content_block'] as [HostedUse, ...HostedUse[]];

/** What `uses` cost at TOOL_FEES (the search content blocks are tokens: costOf charges them). */
export function toolFeesUsd(uses: ToolUses | undefined): number {
  let usd = 0;
  for (const fee of TOOL_FEE_NAMES) usd += (uses?.[fee] ?? 0) * TOOL_FEES[fee];
  return usd;
}

type Json = Record<string, unknown>;

/**
 * The fee one use of a hosted tool (its definition in the request's `tools`) is charged on `model`;
 * undefined for tools that cost only their tokens (mcp, computer use…). Image generation: the most
 * one of its calls can cost (image-fees.ts). `model` unknown (a worst case before routing): the
 * dearer rate.
 */
export function feeOfTool(tool: Json, model?: string): ToolFee | undefined {
  const type = typeof tool.type === 'string' ? tool.type : '';
  if (type.startsWith('web_search_preview'))
    return model !== undefined && ENCRYPTED_REASONING.test(model) ? 'web_search' : 'web_search_preview';
  if (type.startsWith('web_search')) return 'web_search';
  if (type === 'file_search') return 'file_search';
  if (type === 'code_interpreter') return containerFee(tool.container);
  if (type === 'image_generation') return imageFee(tool);
  return undefined;
}

/**
 * An auto container's size is its `memory_limit` (1g unless set). A container the request names by
 * id was sized when it was created, which the gateway did not see: charged as the default 1 GB.
 */
function containerFee(container: unknown): ToolFee {
  const limit =
    typeof container === 'object' && container !== null ? (container as Json).memory_limit : undefined;
  if (limit === '4g') return 'container_4g';
  if (limit === '16g') return 'container_16g';
  if (limit === '64g') return 'container_64g';
  return 'container_1g';
}

/**
 * Hosted tool uses reserved for a request that does not bound them (`max_tool_calls`, a web search
 * tool's `max_uses`): the providers set no limit, so such a request may cost more than its
 * reservation, unless limits.enforceMaxTokens sends this as its bound (boundToolCalls; README).
 */
export const UNBOUNDED_TOOL_CALLS = 10;

/**
 * The most a request's provider-hosted tools can cost, for the budget's reservation, and what that
 * is counted on, which a budget refusal tells (src/limits/refusal.ts).
 */
export interface WorstToolFees {
  usd: number;
  /** The calls (searches, container sessions) counted: 0 when none of its tools has a fee. */
  calls: number;
  /** The request bounded all of them; else UNBOUNDED_TOOL_CALLS were counted where it did not. */
  bounded: boolean;
}

/**
 * A /v1/responses request's worst case: `max_tool_calls` (all built-in tools' calls together, as
 * OpenAI counts them; else UNBOUNDED_TOOL_CALLS) at the dearest fee among its tools. A container is
 * charged per session, and a session holds one call at least.
 */
export function worstToolFees(request: Json): WorstToolFees {
  let dearest = 0;
  for (const tool of toolsOf(request.tools)) {
    const fee = feeOfTool(tool);
    if (fee) dearest = Math.max(dearest, TOOL_FEES[fee]);
  }
  const calls = dearest > 0 ? uses(request.max_tool_calls) : 0;
  return { usd: dearest * calls, calls, bounded: isBound(request.max_tool_calls) };
}

/**
 * The web search calls of a /v1/responses request that may each be billed a search content block,
 * on a target whose model bills one (route-prices.ts worstCases): as many as worstToolFees counts
 * when it offers the `web_search` tool (not the preview, whose content is free on those models).
 */
export function worstSearchContentBlocks(request: Json): number {
  const search = toolsOf(request.tools).some(
    (tool) =>
      typeof tool.type === 'string' &&
      tool.type.startsWith('web_search') &&
      !tool.type.startsWith('web_search_preview'),
  );
  return search ? uses(request.max_tool_calls) : 0;
}

/**
 * A /v1/messages request's worst case for its server tools: each web search tool's `max_uses`
 * (else UNBOUNDED_TOOL_CALLS) searches. Anthropic's other server tools bill no fee per call here
 * (web fetch has none; code execution's container hours are not charged).
 */
export function worstServerToolFees(request: Json): WorstToolFees {
  let calls = 0;
  let bounded = true;
  for (const tool of toolsOf(request.tools))
    if (isWebSearch(tool)) {
      calls += uses(tool.max_uses);
      bounded &&= isBound(tool.max_uses);
    }
  return { usd: calls * TOOL_FEES.anthropic_web_search, calls, bounded };
}

/**
 * `request` (an API's own body, ChatCall.native) with a bound of UNBOUNDED_TOOL_CALLS, the calls its
 * worst case counted, where it sets none: what limits.enforceMaxTokens sends, so that it can make no
 * more calls than were reserved. On /v1/responses, `max_tool_calls` when a tool has a fee (OpenAI's
 * bound on all its built-in tools' calls together, those without a fee too, as the reservation
 * counted them); on /v1/messages, `max_uses` on each web search tool (web fetch, with no fee, is
 * left as it is). A bound the request sets is its own, kept: one that is no count (`"many"`) was
 * reserved as unbounded, and the provider refuses it.
 */
export function boundToolCalls(api: NativeApi, request: Json): Json {
  if (api === 'responses') {
    const fees = toolsOf(request.tools).some((tool) => feeOfTool(tool) !== undefined);
    return fees && request.max_tool_calls == null
      ? { ...request, max_tool_calls: UNBOUNDED_TOOL_CALLS }
      : request;
  }
  if (!Array.isArray(request.tools)) return request;
  let bounded = false;
  const tools = request.tools.map((tool: unknown) => {
    if (!isRecord(tool) || !isWebSearch(tool) || tool.max_uses != null) return tool;
    bounded = true;
    return { ...tool, max_uses: UNBOUNDED_TOOL_CALLS };
  });
  return bounded ? { ...request, tools } : request;
}

/** Anthropic's web search server tool, any version (`web_search_20250305`): the one with a fee. */
const isWebSearch = (tool: Json) => typeof tool.type === 'string' && tool.type.startsWith('web_search_');

/** A request's `tools`: the definitions that are objects. */
export function toolsOf(tools: unknown): Json[] {
  if (!Array.isArray(tools)) return [];
  return tools.filter((tool): tool is Json => typeof tool === 'object' && tool !== null);
}

/** A request's bound on its tools' uses, when it sets a valid one; else UNBOUNDED_TOOL_CALLS. */
function uses(bound: unknown): number {
  return isBound(bound) ? bound : UNBOUNDED_TOOL_CALLS;
}

const isBound = (bound: unknown): bound is number =>
  typeof bound === 'number' && Number.isInteger(bound) && bound >= 0;
