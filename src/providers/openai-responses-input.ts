// A chat conversation as the Responses API's `input` items (openai-responses-request.ts): system,
// developer and user messages as messages of that role (text as input_text, image_url as
// input_image, file as input_file); an assistant message as the encrypted reasoning it carried
// (OpenAI's own, from this provider), its text, then a function_call (or custom_tool_call) item per
// tool call; a tool message as the function_call_output (or custom_tool_call_output) of the call it
// answers — its text, or its parts when it holds an image or a file.
import { invalidRequest } from '../errors';
import type { ChatMessage, ContentPart } from '../openai/schemas';
import { isOpenAIReasoning } from './thinking';
import { Unsupported } from './types';

/** A Responses API input item or part. */
export type Item = Record<string, unknown>;

/**
 * The chat messages as `input` items; `provider` is the one called (only its encrypted reasoning
 * goes back).
 */
export function inputItems(messages: ChatMessage[], provider: string): Item[] {
  // A tool message answers a function call or a custom tool call, whose outputs differ in type.
  const custom = new Set<string>();
  const items: Item[] = [];
  for (const [i, message] of messages.entries()) {
    switch (message.role) {
      case 'system':
      case 'developer':
      case 'user':
        items.push({ role: message.role, content: inputContent(message.content, i) });
        break;
      case 'assistant': {
        // OpenAI's reasoning first, as its answer ordered them (other providers' blocks cannot go).
        // Without its id, as Codex sends them with store false: the items after it go without
        // theirs (chat keeps none), and OpenAI pairs a reasoning item that has an id with the
        // item that followed it — missing, a 400 ("provided without its required following item").
        const blocks = (message as { thinking_blocks?: unknown }).thinking_blocks;
        for (const block of Array.isArray(blocks) ? blocks : []) {
          // Another provider's (Azure's, another OpenAI account's) would be a 400: left out.
          if (isOpenAIReasoning(block) && (block.provider ?? provider) === provider)
            items.push({ type: 'reasoning', encrypted_content: block.encrypted_content, summary: [] });
        }
        const text = assistantText(message.content);
        if (text) items.push({ role: 'assistant', content: text });
        for (const call of message.tool_calls ?? []) {
          if (call.type === 'custom') {
            custom.add(call.id);
            const { name, input } = call.custom;
            items.push({ type: 'custom_tool_call', call_id: call.id, name, input });
          } else {
            const { name, arguments: args } = call.function;
            items.push({ type: 'function_call', call_id: call.id, name, arguments: args });
          }
        }
        break;
      }
      case 'tool':
        items.push({
          type: custom.has(message.tool_call_id) ? 'custom_tool_call_output' : 'function_call_output',
          call_id: message.tool_call_id,
          output: toolOutput(message.content, i),
        });
        break;
      case 'function':
        throw new Unsupported(
          "OpenAI's Responses API does not support the deprecated role 'function' (use tool messages).",
          `messages[${i}].role`,
        );
    }
  }
  return items;
}

function inputContent(content: string | ContentPart[], message: number): string | Item[] {
  if (typeof content === 'string') return content;
  return content.map((part, j): Item => {
    const param = `messages[${message}].content[${j}]`;
    if (part.type === 'input_audio')
      throw new Unsupported("OpenAI's Responses API does not support audio input.", param);
    if (part.type === 'refusal')
      throw invalidRequest('A refusal part belongs in an assistant message.', param);
    if (part.type === 'text') return { type: 'input_text', text: part.text };
    if (part.type === 'image_url')
      return { type: 'input_image', image_url: part.image_url.url, detail: part.image_url.detail ?? 'auto' };
    const { file_id, file_data, filename } = part.file as Record<string, unknown>;
    const file: Item = { type: 'input_file' };
    if (file_id != null) file.file_id = file_id;
    if (file_data != null) file.file_data = file_data;
    if (filename != null) file.filename = filename;
    return file;
  });
}

/**
 * A tool message's content as its call's output: text as a string; with an image or a file (a
 * screenshot, Claude Code's Read of an image through /v1/messages) the list of input parts the
 * Responses API takes there too, which joined as text would lose them.
 */
function toolOutput(content: string | ContentPart[], message: number): string | Item[] {
  if (typeof content === 'string') return content;
  if (content.every((part) => part.type === 'text' || part.type === 'refusal')) return partsText(content);
  return inputContent(
    content.map((part) => (part.type === 'refusal' ? { type: 'text', text: part.refusal } : part)),
    message,
  );
}

/** An assistant message's text: its refusal parts are what it said too. */
function assistantText(content: string | ContentPart[] | null | undefined): string {
  if (content == null) return '';
  return typeof content === 'string' ? content : partsText(content);
}

function partsText(parts: ContentPart[]): string {
  return parts
    .map((part) => (part.type === 'text' ? part.text : part.type === 'refusal' ? part.refusal : ''))
    .join('');
}
