// The conversation of an OpenAI chat request as Bedrock Converse's messages. Converse wants strictly
// alternating user/assistant turns, so adjacent messages of the same side (user text, tool results)
// are merged into one turn, and system/developer messages, wherever they appear, become the
// top-level `system` blocks.
import { invalidRequest } from '../errors';
import type { ChatMessage, ContentPart } from '../openai/schemas';
import { HeldImages, sentImages } from './assistant-images';
import { parseDataUrl } from './data-url';
import type { FunctionToolsMessage } from './function-tools';
import { emptyLastMessage, lastTurnIndex } from './last-message';
import { systemText } from './system-text';
import { parsePlacedThinking, sendable, type ThinkingBlock } from './thinking';
import { interleave, textIn } from './thinking-order';
import { failedTool, toolUseId } from './tool-ids';
import { Unsupported } from './types';

export type Block = Record<string, unknown>;
export interface Turn {
  role: 'user' | 'assistant';
  content: Block[];
}

const IMAGE_FORMATS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

const DOCUMENT_FORMATS: Record<string, string> = {
  'application/pdf': 'pdf',
  'text/csv': 'csv',
  'text/html': 'html',
  'text/plain': 'txt',
  'text/markdown': 'md',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
};

function partBlock(part: ContentPart, param: string): Block | undefined {
  switch (part.type) {
    case 'text':
      // Converse refuses a blank text block (as Anthropic does): it is left out.
      return part.text.trim() ? { text: part.text } : undefined;
    case 'image_url': {
      const parsed = parseDataUrl(part.image_url.url);
      const format = parsed && IMAGE_FORMATS[parsed.mediaType];
      if (!parsed || !format) {
        throw new Unsupported(
          'Bedrock Converse needs image bytes: send the image as a base64 data URL (png, jpeg, gif or webp), not a link.',
          `${param}.image_url.url`,
        );
      }
      return { image: { format, source: { bytes: parsed.data } } };
    }
    case 'file': {
      const file = part.file as { file_data?: unknown; filename?: unknown };
      const parsed = typeof file.file_data === 'string' ? parseDataUrl(file.file_data) : undefined;
      const format = parsed && DOCUMENT_FORMATS[parsed.mediaType];
      if (!parsed || !format) {
        throw new Unsupported(
          'Bedrock Converse accepts files as base64 data URLs of pdf, csv, doc(x), xls(x), html, txt or md.',
          `${param}.file`,
        );
      }
      // Converse document names allow only letters, digits, spaces, hyphens, parentheses, brackets.
      // At most one whitespace character in a row (AWS's rule), and no underscores.
      const name = (typeof file.filename === 'string' ? file.filename : 'document')
        .replace(/\.[^.]*$/, '')
        .replace(/[^A-Za-z0-9\s()[\]-]/g, ' ')
        .replace(/\s+/g, ' ')
        .trim()
        .slice(0, 200);
      return { document: { format, name: name || 'document', source: { bytes: parsed.data } } };
    }
    case 'refusal':
      return part.refusal ? { text: part.refusal } : undefined;
    default:
      throw new Unsupported(`Bedrock Converse does not accept '${part.type}' content.`, param);
  }
}

function contentBlocks(content: ChatMessage['content'], param: string): Block[] {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return content.trim() ? [{ text: content }] : [];
  return content.flatMap((part, j): Block[] => {
    const block = partBlock(part, `${param}.${j}`);
    return block ? [block] : [];
  });
}

function textOf(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!content) return '';
  return content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

/**
 * A tool message's output as toolResult content: its text, and the images and documents beside it
 * (a screenshot tool's), which Converse takes there as in a user message, never left out.
 */
function toolResultContent(content: ChatMessage['content'], param: string): Block[] {
  if (typeof content === 'string' || !content?.some((part) => part.type !== 'text')) {
    return [{ text: textOf(content) || '(empty)' }];
  }
  const blocks = contentBlocks(content, param);
  return blocks.length > 0 ? blocks : [{ text: '(empty)' }];
}

/**
 * A tool message as Converse's toolResult. A failed tool's (Anthropic's `is_error`, which a
 * /v1/messages request's tool_result carries) is `status: "error"` for `claude` (bedrockClaude),
 * which is trained on that flag; Converse documents the field for Claude and Nova models only and
 * other families refuse it, so any other model is told by a leading "Error:", as chat tells it.
 */
function toolResult(message: Extract<ChatMessage, { role: 'tool' }>, param: string, claude: boolean): Block {
  const content = toolResultContent(message.content, param);
  const result: Block = { toolUseId: toolUseId(message.tool_call_id), content };
  if (!failedTool(message)) return result;
  if (claude) return { ...result, status: 'error' };
  const first = content[0];
  if (typeof first?.text === 'string') content[0] = { ...first, text: `Error: ${first.text}` };
  else content.unshift({ text: 'Error:' });
  return result;
}

function toolUseBlocks(message: Extract<FunctionToolsMessage, { role: 'assistant' }>, i: number): Block[] {
  return (message.tool_calls ?? []).map((call, j) => {
    let input: unknown;
    try {
      input = call.function.arguments.trim() ? JSON.parse(call.function.arguments) : {};
    } catch {
      throw invalidRequest(
        'Tool call arguments must be a JSON object.',
        `messages.${i}.tool_calls.${j}.function.arguments`,
      );
    }
    return { toolUse: { toolUseId: toolUseId(call.id), name: call.function.name, input } };
  });
}

export function translateMessages(
  messages: FunctionToolsMessage[],
  reasoning: boolean,
): { system: Block[]; turns: Turn[] } {
  const system: Block[] = [];
  const turns: Turn[] = [];
  const lastTurn = lastTurnIndex(messages); // never left out when empty: see last-message.ts
  /** An answer's images: Converse takes images in user turns only, so they go to the next one. */
  const images = new HeldImages<Block>((text) => ({ text }));
  /** Assistant turns merged from more than one message: their reasoning blocks must lead. */
  const merged = new Set<Turn>();
  const push = (role: Turn['role'], blocks: Block[]) => {
    if (blocks.length === 0) return;
    const last = turns.at(-1);
    if (last?.role === role) {
      last.content.push(...blocks);
      merged.add(last);
    } else turns.push({ role, content: blocks });
  };
  messages.forEach((message, i) => {
    const param = `messages.${i}.content`;
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = systemText(message.content, param);
        if (text) system.push({ text });
        break;
      }
      case 'user': {
        const blocks = contentBlocks(message.content, param);
        if (blocks.length === 0 && i === lastTurn) throw emptyLastMessage('Bedrock', param);
        push('user', [...images.take(), ...blocks]);
        break;
      }
      case 'assistant': {
        // Reasoning blocks an earlier answer carried (`thinking_blocks`) go back as they came, each
        // where it stood among the text and tool calls (thinking-order.ts). Only signed (or
        // redacted) blocks can be taken back, and only by a model that gives them.
        const thinking = parsePlacedThinking(
          (message as { thinking_blocks?: unknown }).thinking_blocks,
          `messages.${i}`,
        )
          .filter(({ block }) => reasoning && sendable(block))
          .map(({ block, position }) => ({ block: reasoningBlock(block), position }));
        const text = contentBlocks(message.content ?? null, param);
        if (message.refusal && text.length === 0) text.push({ text: message.refusal });
        push('assistant', interleave(thinking, text, toolUseBlocks(message, i), TEXT_BLOCKS));
        images.hold(
          sentImages(message, `messages.${i}`).flatMap(({ url }, j) => {
            const block = partBlock({ type: 'image_url', image_url: { url } }, `messages.${i}.images.${j}`);
            return block ? [block] : [];
          }),
        );
        break;
      }
      case 'tool':
        push('user', [{ toolResult: toolResult(message, param, reasoning) }]);
        break;
      case 'function':
        throw new Unsupported(
          "The legacy 'function' role is not supported: use tools and 'tool' messages.",
          `messages.${i}.role`,
        );
    }
  });
  // Images after the last tool results follow them; after a final answer (a prefill), none.
  if (turns.at(-1)?.role === 'user') push('user', images.take());
  if (turns[0]?.role !== 'user') {
    throw new Unsupported('Bedrock Converse needs a user message before any assistant message.', 'messages');
  }
  // Assistant messages merged into one turn: its reasoning blocks lead it (a stable sort). One
  // message's own blocks keep their order: its reasoning where the model wrote it.
  for (const turn of merged) {
    if (turn.role === 'assistant')
      turn.content.sort((a, b) => Number(!a.reasoningContent) - Number(!b.reasoningContent));
  }
  return { system, turns };
}

/** Converse's text blocks, measured and cut where a reasoning block stood (thinking-order.ts). */
const TEXT_BLOCKS = textIn<Block>('text');

/**
 * Documents as Converse takes them: names unique in the request (it refuses two documents of one
 * name, such as two unnamed files, or `report.pdf` beside `report.docx`), and a user turn holding
 * documents has text beside them (it refuses one that has none).
 */
export function documentsTold(turns: Turn[]): void {
  const names = new Set<string>();
  const uniqueName = (document: { name: string }) => {
    let name = document.name;
    for (let n = 2; names.has(name.toLowerCase()); n++) name = `${document.name.slice(0, 190)} (${n})`;
    names.add(name.toLowerCase());
    document.name = name;
  };
  for (const turn of turns) {
    let documents = 0;
    let text = false;
    for (const block of turn.content) {
      if (typeof block.text === 'string' && block.text.trim()) text = true;
      // A tool result's documents count among the request's names too.
      const result = block.toolResult as { content: Block[] } | undefined;
      for (const inner of result?.content ?? [])
        if (inner.document) uniqueName(inner.document as { name: string });
      const document = block.document as { name: string } | undefined;
      if (!document) continue;
      documents++;
      uniqueName(document);
    }
    if (turn.role === 'user' && documents > 0 && !text)
      turn.content.push({
        text: documents > 1 ? 'See the attached documents.' : 'See the attached document.',
      });
  }
}

/** A final assistant message (a prefill to continue) loses its trailing whitespace, which Claude refuses. */
export function trimPrefill(turns: Turn[]): void {
  const last = turns.at(-1);
  if (last?.role !== 'assistant') return;
  const block = last.content.at(-1);
  if (typeof block?.text !== 'string') return;
  block.text = block.text.trimEnd();
  if (!block.text) last.content.pop();
  if (last.content.length === 0) turns.pop();
}

/** A thinking block as Converse takes it back: signed text, or the encrypted redacted content. */
function reasoningBlock(block: ThinkingBlock): Block {
  if (block.type === 'redacted_thinking') return { reasoningContent: { redactedContent: block.data } };
  const reasoningText = { text: block.thinking, ...(block.signature ? { signature: block.signature } : {}) };
  return { reasoningContent: { reasoningText } };
}
