// zod schema for the body of POST /v1/messages (Anthropic's Messages API), as far as the gateway
// translates it to a chat completion (messages-request.ts). Loose objects, as in src/openai: fields
// not named here are kept, and the top-level ones are forwarded into the chat body untouched.
import * as z from 'zod';

const base64Source = z.looseObject({
  type: z.literal('base64'),
  media_type: z.string().min(1),
  data: z.string(),
});
const urlSource = z.looseObject({ type: z.literal('url'), url: z.string().min(1) });
const textSource = z.looseObject({
  type: z.literal('text'),
  media_type: z.string().nullish(),
  data: z.string(),
});

export const textBlock = z.looseObject({ type: z.literal('text'), text: z.string() });
const imageBlock = z.looseObject({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [base64Source, urlSource]),
});
const documentBlock = z.looseObject({
  type: z.literal('document'),
  source: z.discriminatedUnion('type', [base64Source, urlSource, textSource]),
  title: z.string().nullish(),
});
const toolUseBlock = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
});
const toolResultBlock = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z
    .union([z.string(), z.array(z.discriminatedUnion('type', [textBlock, imageBlock, documentBlock]))])
    .nullish(),
  is_error: z.boolean().nullish(),
});
const thinkingBlock = z.looseObject({
  type: z.literal('thinking'),
  thinking: z.string(),
  signature: z.string(),
});
const redactedThinkingBlock = z.looseObject({ type: z.literal('redacted_thinking'), data: z.string() });

/** The content blocks the gateway can translate, by type; any other is a 400 naming it. */
export const contentBlocks = {
  text: textBlock,
  image: imageBlock,
  document: documentBlock,
  tool_use: toolUseBlock,
  tool_result: toolResultBlock,
  thinking: thinkingBlock,
  redacted_thinking: redactedThinkingBlock,
} as const;
export type ContentBlock = z.infer<(typeof contentBlocks)[keyof typeof contentBlocks]>;
export type MediaBlock = z.infer<typeof imageBlock> | z.infer<typeof documentBlock>;

/** A custom tool; Anthropic's typed server and client tools (bash, web_search…) are refused by the translator. */
export const customTool = z.looseObject({
  type: z.literal('custom').nullish(),
  name: z.string().min(1).max(128),
  description: z.string().nullish(),
  input_schema: z.record(z.string(), z.unknown()),
});

const toolChoice = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().nullish() }),
  z.looseObject({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().nullish() }),
  z.looseObject({ type: z.literal('none') }),
  z.looseObject({
    type: z.literal('tool'),
    name: z.string().min(1),
    disable_parallel_tool_use: z.boolean().nullish(),
  }),
]);

export const messagesRequest = z.looseObject({
  model: z.string().min(1).max(256, 'model must be at most 256 characters'),
  // Required, as Anthropic requires it: its clients always send it, and a translated request
  // without one would get each provider's own default instead of the client's choice.
  max_tokens: z.number().int().positive(),
  // Blocks are checked one by one by the translator, so that a refusal names its index.
  messages: z
    .array(
      z.looseObject({
        // `system`: a mid-conversation system message (Claude 4.8 on), text only.
        role: z.enum(['user', 'assistant', 'system']),
        content: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]),
      }),
    )
    .min(1, 'messages must contain at least one message')
    // As chat refuses an empty list: system messages alone leave Anthropic's `messages` empty,
    // which it refuses, and leave every route's model no turn to answer.
    .refine(
      (list) => list.length === 0 || list.some((message) => message.role !== 'system'),
      'messages must contain at least one user or assistant message',
    ),
  system: z.union([z.string(), z.array(textBlock)]).nullish(),
  tools: z.array(z.looseObject({ name: z.string() })).nullish(),
  tool_choice: toolChoice.nullish(),
  stop_sequences: z.array(z.string()).nullish(),
  temperature: z.number().min(0).max(1).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_k: z.number().int().min(0).nullish(),
  metadata: z.looseObject({ user_id: z.string().max(256).nullish() }).nullish(),
  stream: z.boolean().nullish(),
  thinking: z
    .discriminatedUnion('type', [
      z.looseObject({ type: z.literal('enabled'), budget_tokens: z.number().int().min(1) }),
      z.looseObject({ type: z.literal('disabled') }),
      z.looseObject({ type: z.literal('adaptive') }),
    ])
    .nullish(),
  service_tier: z.enum(['auto', 'standard_only']).nullish(),
});
export type MessagesRequest = z.infer<typeof messagesRequest>;
