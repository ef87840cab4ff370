// OpenAI chat request → Bedrock Converse request body. Pure: no I/O; refusals are 400s naming the
// parameter. The conversation's turns are built in bedrock-messages.ts; here the parameters,
// tools, structured output, reasoning effort and Converse's own fields.
import { invalidRequest } from '../errors';
import type { ChatRequest } from '../openai/schemas';
import { cloudBetas } from './anthropic-beta';
import { type Block, documentsTold, type Turn, translateMessages, trimPrefill } from './bedrock-messages';
import { bedrockOpenAI, bedrockOpenAIEffort, NOVA_2_REASONING, novaReasoning } from './bedrock-reasoning';
import { claudeThinking } from './claude-thinking';
import { claudeSampling, prefillRefusal, refusesForcedTools } from './claude-version';
import type { FunctionToolsRequest } from './function-tools';
import { NO_EFFECT, OPENAI_ONLY_FEATURES, paramPolicy, stopSequences } from './params';
import { calledToolText, toolResultText } from './tool-ids';
import { Unsupported } from './types';

/** Refused in this order; what is not OpenAI's is forwarded (see nativeFields). */
const PARAMS = paramPolicy({
  refusal: (why) => `Bedrock Converse does not support ${why}.`,
  refuse: {
    n: 'n > 1 (several choices per request)',
    logprobs: 'log probabilities',
    top_logprobs: 'log probabilities',
    presence_penalty: 'presence_penalty',
    frequency_penalty: 'frequency_penalty',
    parallel_tool_calls: 'disabling parallel tool calls',
    ...OPENAI_ONLY_FEATURES,
  },
  // reasoning_effort: Claude's thinking (claudeThinking), Nova 2's reasoningConfig (novaReasoning),
  // refused on other families (refuseEffort).
  translate:
    'model messages stream stream_options temperature top_p max_tokens max_completion_tokens stop tools tool_choice response_format reasoning_effort',
  drop: `user seed safety_identifier ${NO_EFFECT}`,
});

/** Converse's own top-level fields, accepted as they are. */
const CONVERSE_FIELDS = new Set([
  'guardrailConfig',
  'performanceConfig',
  'promptVariables',
  'requestMetadata',
  'additionalModelResponseFieldPaths',
]);

/**
 * Parameters that are not OpenAI's: Converse's own top-level fields pass as they are; anything
 * else is a model-native parameter (top_k, thinking…) and goes in additionalModelRequestFields,
 * where the model validates it.
 */
function nativeFields(body: ChatRequest): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const additional: Record<string, unknown> = {};
  for (const [key, value] of PARAMS.native(body)) {
    if (key === 'additionalModelRequestFields' && typeof value === 'object') Object.assign(additional, value);
    else if (CONVERSE_FIELDS.has(key)) out[key] = value;
    else additional[key] = value;
  }
  if (Object.keys(additional).length > 0) out.additionalModelRequestFields = additional;
  return out;
}

/** `unforced`: the model, when it refuses a forced tool (claude-version.ts). */
function toolConfig(body: FunctionToolsRequest, turns: Turn[], unforced?: string): Block | undefined {
  const tools = body.tools ?? [];
  const choice = body.tool_choice;
  if (tools.length === 0 && choice && choice !== 'none' && choice !== 'auto') {
    throw invalidRequest('tool_choice needs tools.', 'tool_choice');
  }
  if (unforced && (choice === 'required' || (typeof choice === 'object' && choice !== null))) {
    throw new Unsupported(
      `${unforced} takes tool_choice "auto" or "none" only: it refuses a forced tool.`,
      'tool_choice',
    );
  }
  if (tools.length === 0 || choice === 'none') {
    // Converse has no "none", and refuses toolUse/toolResult blocks without a toolConfig: with no
    // tool to call, past calls and results are told as text (a final answer after a tool loop).
    toolHistoryAsText(turns);
    return undefined;
  }
  const specs = tools.map((tool) => ({
    toolSpec: {
      name: tool.function.name,
      ...(tool.function.description ? { description: tool.function.description } : {}),
      inputSchema: { json: tool.function.parameters ?? { type: 'object', properties: {} } },
      // Converse enforces the schema on the call's input, as OpenAI's strict mode does.
      ...(tool.function.strict === true ? { strict: true } : {}),
    },
  }));
  const toolChoice =
    choice === 'required'
      ? { any: {} }
      : choice && typeof choice === 'object'
        ? { tool: { name: choice.function.name } }
        : choice === 'auto'
          ? { auto: {} }
          : undefined;
  return { tools: specs, ...(toolChoice ? { toolChoice } : {}) };
}

/** Rewrites toolUse and toolResult blocks as text blocks that tell the same history. */
function toolHistoryAsText(turns: Turn[]): void {
  for (const turn of turns) {
    turn.content = turn.content.flatMap((block): Block[] => {
      const use = block.toolUse as { toolUseId: string; name: string; input: unknown } | undefined;
      if (use) return [{ text: calledToolText(use.name, use.toolUseId, use.input) }];
      const result = block.toolResult as { toolUseId: string; content: Block[]; status?: string } | undefined;
      if (result) {
        // Its text goes in the telling; its images and documents follow it as they are.
        const said = result.content.map((c) => (typeof c.text === 'string' ? c.text : '')).join('');
        return [
          { text: toolResultText(result.toolUseId, said, result.status === 'error') },
          ...result.content.filter((c) => typeof c.text !== 'string'),
        ];
      }
      return [block];
    });
  }
}

function outputConfig(body: ChatRequest): Block | undefined {
  const format = body.response_format;
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_object') {
    throw new Unsupported(
      "Bedrock Converse has no schema-less JSON mode: use response_format 'json_schema' with a schema.",
      'response_format',
    );
  }
  const { name, schema, description } = format.json_schema;
  // OpenAI takes a json_schema without its schema (Anthropic's and Gemini's adapters do too).
  if (!schema)
    throw new Unsupported(
      'json_schema.schema is required for Bedrock.',
      'response_format.json_schema.schema',
    );
  return {
    textFormat: {
      type: 'json_schema',
      structure: {
        jsonSchema: { schema: JSON.stringify(schema), name, ...(description ? { description } : {}) },
      },
    },
  };
}

/**
 * Model families on Bedrock that never take signed reasoning blocks back (a fallback to Nova, a
 * DeepSeek-R1 turn): an id or ARN naming one of them gets none. Anything else — Anthropic's models,
 * and ARNs that name no family (application inference profiles, provisioned throughput) — does.
 */
/** Anthropic's models on Bedrock (and ARNs that name no family), as NO_REASONING_BLOCKS tells them. */
export function bedrockClaude(model: string): boolean {
  return !NO_REASONING_BLOCKS.test(model);
}

const NO_REASONING_BLOCKS =
  /(?:^|[.:/])(?:amazon|meta|mistral|deepseek|cohere|ai21|writer|qwen|openai|twelvelabs|stability|nvidia|moonshot|moonshotai|minimax|google|zai)\./i;

/**
 * max_tokens when thinking from reasoning_effort needs one and the request sets none: the answer's
 * share beside the budget, as the Anthropic adapter's default (Claude wants max_tokens above it).
 */
const DEFAULT_ANSWER_TOKENS = 4096;

/**
 * `model` decides whether an assistant message's signed `thinking_blocks` go back (NO_REASONING_BLOCKS),
 * and whether `reasoning_effort` and the request's Anthropic `betas` apply (Claude models only).
 */
export function toConverseRequest(
  sent: ChatRequest,
  model = '',
  betas: readonly string[] = [],
): Record<string, unknown> {
  const body = PARAMS.refuseUnsupported(sent);
  // Anthropic's models (and ARNs that name no family) — see NO_REASONING_BLOCKS.
  const claude = bedrockClaude(model);
  const native = nativeFields(body);
  const additional = (native.additionalModelRequestFields ?? {}) as Record<string, unknown>;
  // reasoning_effort maps only where the id names a Claude, Nova 2 or OpenAI model (an ARN may name any family).
  const effort = /claude/i.test(model)
    ? claudeThinking(body, model, additional, 'Bedrock Claude')
    : NOVA_2_REASONING.test(model)
      ? effortOnly(novaReasoning(body, additional))
      : bedrockOpenAI(model)
        ? effortOnly(bedrockOpenAIEffort(body, model, additional))
        : refuseEffort(body);
  const { system, turns } = translateMessages(body.messages, claude);
  // A final assistant turn is a prefill, which the newest Claude models refuse: the next target may serve it.
  const noPrefill = turns.at(-1)?.role === 'assistant' && claude ? prefillRefusal(model) : undefined;
  if (noPrefill) throw new Unsupported(noPrefill, `messages.${body.messages.length - 1}`);
  documentsTold(turns);
  trimPrefill(turns);
  const stop = stopSequences(body.stop, claude ? 'Claude models' : undefined);
  const inferenceConfig: Record<string, unknown> = {};
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens) inferenceConfig.maxTokens = maxTokens;
  else if (effort?.budget) inferenceConfig.maxTokens = DEFAULT_ANSWER_TOKENS + effort.budget;
  if (effort) Object.assign(additional, effort.fields);
  // The client's anthropic-beta header, as Bedrock's Claude models take betas: in the body (only
  // those Bedrock takes: it refuses the whole request for any other).
  const sentBetas = cloudBetas('bedrock', betas);
  if (claude && sentBetas.length > 0)
    additional.anthropic_beta = withBetas(additional.anthropic_beta, sentBetas);
  if (Object.keys(additional).length > 0) native.additionalModelRequestFields = additional;
  // Claude 4.7 and later take none (claude-version.ts); other models as sent.
  const sampling = claudeSampling(model, body, additional.top_k);
  if (sampling.temperature !== undefined) inferenceConfig.temperature = sampling.temperature;
  // Current Claude models refuse both at once, as on Anthropic's own API: top_p only without temperature.
  if (sampling.top_p !== undefined && !(claude && inferenceConfig.temperature !== undefined))
    inferenceConfig.topP = sampling.top_p;
  if (stop.length) inferenceConfig.stopSequences = stop;
  // Claude Opus and Sonnet 5.5, Fable and Mythos refuse a forced tool here as at Anthropic: the next target may serve it.
  const tools = toolConfig(body, turns, claude && refusesForcedTools(model) ? model : undefined);
  const output = outputConfig(body);
  return {
    messages: turns,
    ...(system.length ? { system } : {}),
    ...(Object.keys(inferenceConfig).length ? { inferenceConfig } : {}),
    ...(tools ? { toolConfig: tools } : {}),
    ...(output ? { outputConfig: output } : {}),
    ...native,
  };
}

/** Nova 2's and OpenAI's effort fields: an effort, not a budget, so no maxTokens for it. */
function effortOnly(fields: Record<string, unknown> | undefined) {
  return fields && { fields, budget: 0 };
}

/** No reasoning control of a model other than Claude, Nova 2 and OpenAI's is mapped: reasoning_effort is refused there. */
function refuseEffort(body: object): undefined {
  if ((body as { reasoning_effort?: unknown }).reasoning_effort == null) return undefined;
  throw new Unsupported(
    "Bedrock Converse does not support reasoning_effort on models other than Claude, Amazon Nova 2 and OpenAI's (send the model's own reasoning fields instead).",
    'reasoning_effort',
  );
}

/** The body's own anthropic_beta list (additionalModelRequestFields) with the request's betas, each once. */
function withBetas(own: unknown, betas: readonly string[]): unknown {
  if (own != null && !Array.isArray(own)) {
    throw invalidRequest(
      'additionalModelRequestFields.anthropic_beta must be an array of beta names.',
      'additionalModelRequestFields.anthropic_beta',
    );
  }
  return [...new Set([...(own ?? []), ...betas])];
}
