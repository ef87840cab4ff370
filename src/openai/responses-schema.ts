// zod schema for the body of POST /v1/responses (OpenAI's `CreateResponse`), as far as the gateway
// translates it to a chat completion (responses-request.ts). Loose objects, as in schemas.ts: fields
// not named here are kept, and the top-level ones are forwarded into the chat body untouched.
import * as z from 'zod';
import { isRecord } from '../json-record';
import { TOOL_CHOICE_EXPECTED } from './schemas';

const inputText = z.looseObject({ type: z.literal('input_text'), text: z.string() });
const inputImage = z.looseObject({
  type: z.literal('input_image'),
  image_url: z.string().min(1).nullish(),
  file_id: z.string().min(1).nullish(),
  /** `original` (full resolution, newer models) has no chat equivalent: sent as `high`, the nearest. */
  detail: z.enum(['auto', 'low', 'high', 'original']).nullish(),
});
const inputFile = z.looseObject({
  type: z.literal('input_file'),
  file_id: z.string().min(1).nullish(),
  file_data: z.string().nullish(),
  filename: z.string().nullish(),
});
// What an assistant turn sent back as input holds: the text (or refusal) a response produced.
const outputText = z.looseObject({ type: z.literal('output_text'), text: z.string() });
const refusal = z.looseObject({ type: z.literal('refusal'), refusal: z.string() });
/**
 * OpenAI's metadata: at most 16 string pairs, keys up to 64 characters, values up to 512. Checked by
 * hand: `z.record` lets a `__proto__` entry (an own key, as JSON.parse makes it) through unchecked,
 * and the answer echoes metadata back — a non-string value there is no valid Response.
 */
export const metadataSchema = z.custom<Record<string, string>>(
  (value) =>
    isRecord(value) &&
    Object.keys(value).length <= 16 &&
    Object.entries(value).every(
      ([key, text]) => key.length <= 64 && typeof text === 'string' && text.length <= 512,
    ),
  'metadata must be at most 16 pairs of strings: keys up to 64 characters, values up to 512',
);

export const inputPart = z.discriminatedUnion('type', [
  inputText,
  inputImage,
  inputFile,
  outputText,
  refusal,
]);
export type InputPart = z.infer<typeof inputPart>;

const messageItem = z.looseObject({
  type: z.literal('message').optional(),
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([z.string(), z.array(inputPart)]),
});
const functionCallItem = z.looseObject({
  type: z.literal('function_call'),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
});
const functionCallOutputItem = z.looseObject({
  type: z.literal('function_call_output'),
  call_id: z.string().min(1),
  output: z.union([z.string(), z.array(inputPart)]),
});
// A custom tool's call (the freeform tools of GPT-5 models, Codex's apply_patch) and its output, sent
// back: the call's input is the text the model wrote, not JSON.
const customToolCallItem = z.looseObject({
  type: z.literal('custom_tool_call'),
  call_id: z.string().min(1),
  name: z.string().min(1),
  input: z.string(),
});
const customToolCallOutputItem = z.looseObject({
  type: z.literal('custom_tool_call_output'),
  call_id: z.string().min(1),
  output: z.union([z.string(), z.array(inputPart)]),
});
// A reasoning item a previous response returned: its thinking goes back when the gateway packed it
// (responses-reasoning.ts); its summary and anything else are not sent on.
const reasoningItem = z.looseObject({
  type: z.literal('reasoning'),
  encrypted_content: z.string().nullish(),
});
/** The input items the gateway can translate, by type (a message may omit it); any other is a 400. */
export const inputItems = {
  message: messageItem,
  function_call: functionCallItem,
  function_call_output: functionCallOutputItem,
  custom_tool_call: customToolCallItem,
  custom_tool_call_output: customToolCallOutputItem,
  reasoning: reasoningItem,
} as const;
export type InputItem = z.infer<(typeof inputItems)[keyof typeof inputItems]>;

/** Responses' flat function tool; tool types other than it and `custom` (hosted tools) are refused by the translator. */
export const functionTool = z.looseObject({
  type: z.literal('function'),
  name: z.string().min(1).max(64),
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  strict: z.boolean().nullish(),
});
export type ResponsesFunctionTool = z.infer<typeof functionTool>;

/** A custom tool: called with free text, unconstrained or a sentence of its grammar (Lark or a regex). */
export const customTool = z.looseObject({
  type: z.literal('custom'),
  name: z.string().min(1).max(64),
  description: z.string().nullish(),
  format: z
    .discriminatedUnion('type', [
      z.looseObject({ type: z.literal('text') }),
      z.looseObject({
        type: z.literal('grammar'),
        syntax: z.enum(['lark', 'regex']),
        definition: z.string(),
      }),
    ])
    .nullish(),
});
export type ResponsesCustomTool = z.infer<typeof customTool>;

const toolChoice = z.union(
  [
    z.enum(['none', 'auto', 'required']),
    z.discriminatedUnion('type', [
      z.looseObject({ type: z.literal('function'), name: z.string().min(1) }),
      z.looseObject({ type: z.literal('custom'), name: z.string().min(1) }),
      // The model may call only these of `tools` ({type: 'function' | 'custom', name}; checked by the translator).
      z.looseObject({
        type: z.literal('allowed_tools'),
        mode: z.enum(['auto', 'required']),
        tools: z.array(z.looseObject({ type: z.string() })),
      }),
    ]),
    // One of OpenAI's hosted tools ({type: 'web_search'}, {type: 'mcp', server_label}…): only a request
    // that offers hosted tools, which goes to OpenAI as it is (responses-hosted.ts), may choose one.
    z.looseObject({
      // Aborting: else zod, seeing the one branch that went on, tells only this refusal of `type` and
      // not what the branch its type chose is missing (a function choice's name).
      type: z
        .string()
        .refine((type) => !['function', 'custom', 'allowed_tools'].includes(type), { abort: true }),
    }),
  ],
  { error: TOOL_CHOICE_EXPECTED },
);

const textFormat = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    name: z.string().min(1),
    schema: z.record(z.string(), z.unknown()),
    strict: z.boolean().nullish(),
    description: z.string().nullish(),
  }),
]);

export const responsesRequest = z.looseObject({
  model: z.string().min(1).max(256, 'model must be at most 256 characters'),
  input: z.union([z.string(), z.array(z.looseObject({}))], {
    error: 'expected a string or an array of input items',
  }),
  instructions: z.string().nullish(),
  // Items and tools are checked one by one by the translator, so that a refusal names its index.
  tools: z.array(z.looseObject({ type: z.string() })).nullish(),
  tool_choice: toolChoice.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  max_output_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
  text: z.looseObject({ format: textFormat.nullish(), verbosity: z.string().nullish() }).nullish(),
  reasoning: z.looseObject({ effort: z.string().nullish(), summary: z.string().nullish() }).nullish(),
  metadata: metadataSchema.nullish(),
  user: z.string().nullish(),
  safety_identifier: z.string().nullish(),
  prompt_cache_key: z.string().nullish(),
  service_tier: z.string().nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({}).nullish(),
  store: z.boolean().nullish(),
  // Resolved into `input` before translation (src/responses-store/continuation.ts); echoed back.
  previous_response_id: z.string().min(1).nullish(),
  // Its items resolved into `input` and it into `{id}` (continuation.ts); echoed when appended to.
  conversation: z.union([z.string(), z.looseObject({ id: z.string() })]).nullish(),
  include: z.array(z.string()).nullish(),
  truncation: z.enum(['auto', 'disabled']).nullish(),
  background: z.boolean().nullish(),
});
export type ResponsesRequest = z.infer<typeof responsesRequest>;
