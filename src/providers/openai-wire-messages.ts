// The messages of a chat call as an OpenAI-wire service takes them (openai-wire.ts). A tool message's
// images and files go in a user message after it (tool-media.ts): OpenAI's tool messages take only
// text. Services other than OpenAI get a developer message as system, and a system or tool message
// of text alone as a string (plain-messages.ts): many refuse either. OpenRouter's Claude models get
// an assistant message's thinking blocks as `reasoning_details` (reasoning-details.ts). An assistant
// message's `images` (an image model's answer sent back) go only to OpenRouter, whose field it is,
// and its tool calls' `extra_content` (Gemini's thought signatures) only to Google's own API.
import type { ChatRequest } from '../openai/schemas';
import { withoutImages } from './assistant-images';
import type { OpenAIWire } from './openai-wire';
import { plainMessages } from './plain-messages';
import { withReasoningDetails } from './reasoning-details';
import { withoutCallExtras } from './thought-signature';
import { toolMediaAsUser } from './tool-media';

type Messages = ChatRequest['messages'];
/** What of a wire tells how its service takes messages. */
type MessageRules = Pick<
  OpenAIWire,
  'takesImages' | 'takesCallExtras' | 'takesReasoningDetails' | 'servesOpenAIModels' | 'dropsReasoningContent'
>;

/** `messages` as the service of `rules` takes them for `model`. */
export function wireMessages(rules: MessageRules, model: string, messages: Messages): Messages {
  const media = toolMediaAsUser(withoutFieldsNotTaken(messages, rules));
  const detailed = rules.takesReasoningDetails?.(model) ? withReasoningDetails(media) : media;
  return withoutThinkingBlocks(
    rules.servesOpenAIModels ? detailed : plainMessages(detailed),
    rules.dropsReasoningContent === true,
  );
}

/**
 * The assistant messages' fields only some services define, left out in one walk where the service
 * does not take them: an answer's `images` (the answer too, when it was images alone) and its tool
 * calls' `extra_content`.
 */
function withoutFieldsNotTaken(messages: Messages, rules: MessageRules): Messages {
  if (rules.takesImages && rules.takesCallExtras) return messages;
  return messages.flatMap((message) => {
    const called = rules.takesCallExtras ? message : withoutCallExtras(message);
    const kept = rules.takesImages ? called : withoutImages(called);
    return kept ? [kept] : [];
  });
}

/**
 * `thinking_blocks` is the gateway's own field (an Anthropic answer's signed reasoning, for the
 * client to send back), and `reasoning_content` beside it the gateway's copy of its text: other
 * services do not know them, and strict ones (Groq, Cerebras, Mistral) refuse them — those lose a
 * `reasoning_content` without thinking blocks too (`dropReasoning`: DeepSeek's reasoning, which a
 * route may carry to them after DeepSeek answered).
 */
function withoutThinkingBlocks(
  messages: ChatRequest['messages'],
  dropReasoning: boolean,
): ChatRequest['messages'] {
  const carries = (message: object) =>
    'thinking_blocks' in message || (dropReasoning && 'reasoning_content' in message);
  if (!messages.some(carries)) return messages;
  return messages.map((message) => {
    if (!carries(message)) return message;
    const {
      thinking_blocks: _,
      reasoning_content: __,
      ...rest
    } = message as typeof message & {
      thinking_blocks?: unknown;
      reasoning_content?: unknown;
    };
    return rest as typeof message;
  });
}
