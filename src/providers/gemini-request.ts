// OpenAI chat request → Gemini generateContent body. Pure: no I/O; throws invalidRequest (400) for
// what Gemini cannot honour. The parameter policy is documented in gemini.ts; the messages are
// translated in gemini-messages.ts.
import { invalidRequest } from '../errors';
import type { ChatRequest } from '../openai/schemas';
import type { FunctionToolsRequest } from './function-tools';
import { translateMessages } from './gemini-messages';
import { geminiThinking } from './gemini-thinking';
import { forwardParam, NO_EFFECT, paramPolicy } from './params';

export interface GeminiRequest {
  body: Record<string, unknown>;
  /** parallel_tool_calls:false — only the first function call of a candidate is returned. */
  singleToolCall: boolean;
}

/** Refused in this order; what is not OpenAI's is forwarded into the Gemini body. */
const PARAMS = paramPolicy({
  refusal: (why) => `Gemini models are not offered ${why} through this gateway.`,
  refuse: {
    logprobs: 'logprobs',
    top_logprobs: 'top_logprobs',
    logit_bias: 'logit_bias',
    modalities: 'output modalities other than text',
    audio: 'audio output',
    functions: 'the deprecated functions parameter (use tools)',
    function_call: 'the deprecated function_call parameter',
    web_search_options: 'web_search_options',
  },
  translate:
    'model messages stream stream_options temperature top_p top_k max_tokens max_completion_tokens stop n seed presence_penalty frequency_penalty tools tool_choice parallel_tool_calls response_format reasoning_effort',
  drop: `user safety_identifier ${NO_EFFECT}`,
});

/** `model` (the upstream id) tells the Gemini generation that reasoning_effort maps to. */
export function toGeminiRequest(sent: ChatRequest, safetySettings?: unknown[], model = ''): GeminiRequest {
  const request = PARAMS.refuseUnsupported(sent);
  // reasoning_effort as the thinkingConfig Google maps it to, unless the client sent its own.
  const native = (request as { generationConfig?: { thinkingConfig?: unknown } | null }).generationConfig;
  const thinking = native?.thinkingConfig != null ? undefined : geminiThinking(request, model);
  const { system, contents } = translateMessages(request.messages);
  const body: Record<string, unknown> = { contents };
  if (system.length > 0) body.systemInstruction = { parts: system };
  if (request.tools?.length) {
    body.tools = [
      {
        functionDeclarations: request.tools.map(({ function: fn }) => ({
          name: fn.name,
          ...(fn.description ? { description: fn.description } : {}),
          ...(fn.parameters ? { parametersJsonSchema: fn.parameters } : {}),
        })),
      },
    ];
    const config = functionCallingConfig(request.tool_choice);
    if (config) body.toolConfig = { functionCallingConfig: config };
  }
  if (safetySettings) body.safetySettings = safetySettings;
  const generation = generationConfig(request);

  for (const [key, value] of PARAMS.native(request)) {
    if (key === 'generationConfig' && typeof value === 'object' && !Array.isArray(value)) {
      for (const [field, setting] of Object.entries(value as object)) {
        const instead = SIZED_BY[field];
        if (instead) {
          // The reservation (tokens and cost) is sized from these: set natively, it could not see them.
          throw invalidRequest(
            `'generationConfig.${field}' is not accepted: set '${instead}' instead, which the gateway's limits count.`,
            `generationConfig.${field}`,
          );
        }
        if (field in generation) {
          throw invalidRequest(`'generationConfig.${field}' conflicts with a translated parameter.`, key);
        }
        generation[field] = setting;
      }
    } else if (key === 'safetySettings') {
      body[key] = value; // a client's own replaces the configured settings
    } else {
      forwardParam(body, key, value); // provider-native field (cachedContent, …): Gemini validates it
    }
  }
  if (thinking) generation.thinkingConfig = thinking;
  if (Object.keys(generation).length > 0) body.generationConfig = generation;
  return { body, singleToolCall: request.parallel_tool_calls === false };
}

/**
 * A body with its `generationConfig.maxOutputTokens` lowered to the model's `limit` (cap-refusal.ts);
 * undefined when it is within it. A thinkingBudget stays: Gemini counts it within the cap, not below it.
 */
export function generationWithin(
  body: Record<string, unknown>,
  limit: number,
): Record<string, unknown> | undefined {
  const generation = body.generationConfig as Record<string, unknown> | undefined;
  const cap = generation?.maxOutputTokens;
  if (typeof cap !== 'number' || cap <= limit) return undefined;
  return { ...body, generationConfig: { ...generation, maxOutputTokens: limit } };
}

/** Native fields that size the output, and the OpenAI parameter to use for each. */
const SIZED_BY: Record<string, string> = {
  candidateCount: 'n',
  maxOutputTokens: 'max_completion_tokens',
};

function generationConfig(request: ChatRequest): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  const r = request as Record<string, unknown>;
  if (request.temperature != null) config.temperature = request.temperature;
  if (request.top_p != null) config.topP = request.top_p;
  if (typeof r.top_k === 'number') config.topK = r.top_k;
  const max = request.max_completion_tokens ?? request.max_tokens;
  if (max != null) config.maxOutputTokens = max;
  if (request.stop != null)
    config.stopSequences = typeof request.stop === 'string' ? [request.stop] : request.stop;
  if (request.n != null && request.n !== 1) config.candidateCount = request.n;
  if (request.seed != null) config.seed = request.seed;
  if (request.presence_penalty) config.presencePenalty = request.presence_penalty;
  if (request.frequency_penalty) config.frequencyPenalty = request.frequency_penalty;
  const format = request.response_format;
  if (format?.type === 'json_object' || format?.type === 'json_schema') {
    config.responseMimeType = 'application/json';
    if (format.type === 'json_schema' && format.json_schema.schema) {
      config.responseJsonSchema = format.json_schema.schema;
    }
  }
  return config;
}

function functionCallingConfig(
  choice: FunctionToolsRequest['tool_choice'],
): Record<string, unknown> | undefined {
  if (choice == null) return undefined;
  if (choice === 'auto') return { mode: 'AUTO' };
  if (choice === 'none') return { mode: 'NONE' };
  if (choice === 'required') return { mode: 'ANY' };
  return { mode: 'ANY', allowedFunctionNames: [choice.function.name] };
}
