// zod schemas for the OpenAI request bodies Tollgate accepts. Loose objects: parameters this file
// does not name are kept and forwarded, never dropped; only the ones the gateway reads are checked.
import * as z from 'zod';

const textPart = z.looseObject({ type: z.literal('text'), text: z.string() });
const imagePart = z.looseObject({
  type: z.literal('image_url'),
  image_url: z.looseObject({ url: z.string().min(1), detail: z.enum(['auto', 'low', 'high']).optional() }),
});
const audioPart = z.looseObject({
  type: z.literal('input_audio'),
  input_audio: z.looseObject({ data: z.string(), format: z.string() }),
});
const filePart = z.looseObject({ type: z.literal('file'), file: z.looseObject({}) });
const refusalPart = z.looseObject({ type: z.literal('refusal'), refusal: z.string() });
export const contentPart = z.discriminatedUnion('type', [
  textPart,
  imagePart,
  audioPart,
  filePart,
  refusalPart,
]);
export type ContentPart = z.infer<typeof contentPart>;

const functionCall = z.looseObject({
  id: z.string(),
  type: z.literal('function'),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});
/** A function tool's call: its arguments are JSON text. */
export type ToolCall = z.infer<typeof functionCall>;
/** A custom tool's call (GPT-5's freeform tools): its input is the text the model wrote, not JSON. */
const customCall = z.looseObject({
  id: z.string(),
  type: z.literal('custom'),
  custom: z.looseObject({ name: z.string(), input: z.string() }),
});
const toolCall = z.discriminatedUnion('type', [functionCall, customCall]);

const content = z.union([z.string(), z.array(contentPart)]);

/**
 * An image an earlier answer made, sent back on its assistant message (`images`: OpenRouter's field,
 * which the gateway's answers carry too, src/providers/output-images.ts).
 */
const madeImage = z.looseObject({
  type: z.literal('image_url'),
  image_url: z.looseObject({ url: z.string().min(1) }),
});
export type MadeImage = z.infer<typeof madeImage>;

export const message = z.discriminatedUnion('role', [
  z.looseObject({ role: z.literal('system'), content, name: z.string().optional() }),
  z.looseObject({ role: z.literal('developer'), content, name: z.string().optional() }),
  z.looseObject({ role: z.literal('user'), content, name: z.string().optional() }),
  z.looseObject({
    role: z.literal('assistant'),
    content: content.nullish(),
    name: z.string().optional(),
    tool_calls: z.array(toolCall).optional(),
    refusal: z.string().nullish(),
    images: z.array(madeImage).nullish(),
  }),
  z.looseObject({ role: z.literal('tool'), content, tool_call_id: z.string() }),
  z.looseObject({ role: z.literal('function'), content: z.string().nullable(), name: z.string() }),
]);
export type ChatMessage = z.infer<typeof message>;

const functionTool = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string().min(1).max(64),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullish(),
  }),
});
export type FunctionTool = z.infer<typeof functionTool>;
/** A custom tool: the model calls it with free text, unconstrained or matching a grammar. */
const customTool = z.looseObject({
  type: z.literal('custom'),
  custom: z.looseObject({
    name: z.string().min(1).max(64),
    description: z.string().optional(),
    format: z
      .discriminatedUnion('type', [
        z.looseObject({ type: z.literal('text') }),
        z.looseObject({
          type: z.literal('grammar'),
          grammar: z.looseObject({ definition: z.string(), syntax: z.enum(['lark', 'regex']) }),
        }),
      ])
      .optional(),
  }),
});
export const tool = z.discriminatedUnion('type', [functionTool, customTool]);
export type Tool = z.infer<typeof tool>;

const toolChoiceMode = z.enum(['none', 'auto', 'required']);
/** What a tool choice may be, as a refusal of one that is none of them says (chat's and Responses'). */
export const TOOL_CHOICE_EXPECTED = "expected 'none', 'auto', 'required', or an object naming a tool";
const namedFunction = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({ name: z.string() }),
});
/** The tool choices of a request whose tools are all function tools. */
export type FunctionToolChoice = z.infer<typeof toolChoiceMode> | z.infer<typeof namedFunction>;
const toolChoice = z.union(
  [
    toolChoiceMode,
    z.discriminatedUnion('type', [
      namedFunction,
      z.looseObject({ type: z.literal('custom'), custom: z.looseObject({ name: z.string() }) }),
      // The model may call only these of `tools` (each `{type, function: {name}}` or `{type, custom: {name}}`).
      z.looseObject({
        type: z.literal('allowed_tools'),
        allowed_tools: z.looseObject({
          mode: z.enum(['auto', 'required']),
          tools: z.array(z.looseObject({})),
        }),
      }),
    ]),
  ],
  { error: TOOL_CHOICE_EXPECTED },
);

const responseFormat = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    json_schema: z.looseObject({
      name: z.string().min(1),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullish(),
      description: z.string().optional(),
    }),
  }),
]);

const positiveInt = z.number().int().positive();
/**
 * Model ids are short (the longest real ones, `<provider>/<org>/<model>`, are under 150 characters)
 * and hold no control characters: the served model is echoed in `x-tollgate-model`, where a line
 * break or NUL is no valid header value — the answer, already paid for, would end in a 500 unbilled.
 */
export const modelName = z
  .string()
  .min(1)
  .max(256, 'model must be at most 256 characters')
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
  .regex(/^[^\x00-\x1f\x7f]*$/, 'model must not contain control characters');

export const chatRequest = z
  .looseObject({
    model: modelName,
    messages: z.array(message).min(1, 'messages must contain at least one message'),
    stream: z.boolean().nullish(),
    stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    n: positiveInt.max(128).nullish(),
    max_tokens: positiveInt.nullish(),
    max_completion_tokens: positiveInt.nullish(),
    stop: z
      .union([z.string(), z.array(z.string()).max(4)], {
        error: 'expected a string or an array of up to 4 strings',
      })
      .nullish(),
    presence_penalty: z.number().min(-2).max(2).nullish(),
    frequency_penalty: z.number().min(-2).max(2).nullish(),
    seed: z.number().int().nullish(),
    tools: z.array(tool).nullish(),
    tool_choice: toolChoice.nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    response_format: responseFormat.nullish(),
    user: z.string().nullish(),
    logprobs: z.boolean().nullish(),
    top_logprobs: z.number().int().min(0).max(20).nullish(),
  })
  .superRefine((body, ctx) => {
    // As OpenAI answers it: stream options without a stream are a mistake worth a 400.
    if (body.stream_options != null && body.stream !== true)
      ctx.addIssue({
        code: 'custom',
        path: ['stream_options'],
        message: "stream_options is only allowed when 'stream' is true",
      });
    // As OpenAI answers it too: a tool choice that asks for a tool call needs tools to call.
    const choice = body.tool_choice;
    if (choice != null && choice !== 'none' && choice !== 'auto' && !body.tools?.length)
      ctx.addIssue({
        code: 'custom',
        path: ['tool_choice'],
        message: "tool_choice is only allowed when 'tools' are specified",
      });
  });
export type ChatRequest = z.infer<typeof chatRequest>;

/** The most inputs (strings or token arrays) one embeddings request may carry, as OpenAI. */
export const MAX_EMBEDDING_INPUTS = 2048;

export const embeddingsRequest = z.looseObject({
  model: modelName,
  input: z
    .union(
      [
        z.string(),
        z.array(z.string()).min(1),
        z.array(z.number().int()).min(1),
        z.array(z.array(z.number().int()).min(1)).min(1),
      ],
      {
        error:
          'expected a string, a non-empty array of strings, or a non-empty array of token ids (or of non-empty arrays of them)',
      },
    )
    // OpenAI's cap on the inputs of one request; past it a request would fan out to ever more
    // provider calls (Gemini's batches of 100). One token array is one input, whatever its length.
    .refine(
      (input) =>
        typeof input === 'string' || typeof input[0] === 'number' || input.length <= MAX_EMBEDDING_INPUTS,
      {
        error: `at most ${MAX_EMBEDDING_INPUTS} inputs per request (OpenAI's limit): send the rest in further requests`,
      },
    ),
  // null is unset, as for chat's optional parameters.
  encoding_format: z.enum(['float', 'base64']).nullish(),
  dimensions: positiveInt.nullish(),
  user: z.string().nullish(),
});
export type EmbeddingsRequest = z.infer<typeof embeddingsRequest>;
