// OpenAI chat messages → Gemini's systemInstruction parts and `contents` turns (gemini-request.ts
// builds the rest of the body): tool calls as functionCall parts with their thought signatures,
// results as functionResponse parts in the order of their calls. Pure; throws invalidRequest (400).
import { invalidRequest } from '../errors';
import type { ContentPart } from '../openai/schemas';
import { sentImages } from './assistant-images';
import type { FunctionToolsMessage } from './function-tools';
import { mediaPart, type Part, userPart, userParts } from './gemini-parts';
import { emptyLastMessage, lastTurnIndex } from './last-message';
import { thoughtSignature } from './thought-signature';
import { Unsupported } from './types';

interface Content {
  role: 'user' | 'model';
  parts: Part[];
}

/**
 * Google's documented placeholder for a function call replayed without the signature Gemini 3
 * issued (a client that kept no `extra_content` on its tool calls); older models ignore it.
 */
export const SKIP_SIGNATURE = 'skip_thought_signature_validator';

/** System and developer messages become the systemInstruction; the rest, turns of `contents`. */
export function translateMessages(messages: FunctionToolsMessage[]): { system: Part[]; contents: Content[] } {
  const system: Part[] = [];
  const contents: Content[] = [];
  /** tool_call_id → function name and place among all calls, from the assistant turns so far. */
  const calls = new Map<string, { name: string; place: number }>();
  /** Each functionResponse part's call's place: results go back in the order of their calls. */
  const places = new Map<Part, number>();
  /** Images, audio and files a tool returned beside its text: they follow the results (toolMedia). */
  const media = new Set<Part>();
  let callsSeen = 0;
  const lastTurn = lastTurnIndex(messages); // never left out when empty: see last-message.ts
  const push = (role: Content['role'], parts: Part[]) => {
    const last = contents.at(-1);
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  messages.forEach((message, i) => {
    const path = `messages[${i}]`;
    switch (message.role) {
      case 'system':
      case 'developer':
        if (typeof message.content === 'string') {
          if (message.content) system.push({ text: message.content });
        } else {
          for (const [j, part] of message.content.entries()) {
            if (part.type !== 'text')
              throw invalidRequest('System messages may only contain text.', `${path}.content[${j}]`);
            if (part.text) system.push({ text: part.text });
          }
        }
        break;
      case 'user': {
        // Gemini refuses a part with no data, as an empty text is (OpenAI takes it: an image sent
        // with an empty caption); a message left with nothing is left out, unless it is the last.
        const parts = userParts(message.content, `${path}.content`).filter((p) => p.text !== '');
        if (parts.length === 0 && i === lastTurn) throw emptyLastMessage('Gemini', `${path}.content`);
        if (parts.length > 0) push('user', parts);
        break;
      }
      case 'assistant': {
        const parts = userParts(message.content ?? '', `${path}.content`).filter((p) => p.text !== '');
        if (parts.length === 0 && message.refusal) parts.push({ text: message.refusal });
        // The images the answer made, as the model made them: inlineData parts of its turn, each
        // with the thought signature Gemini 3 Pro Image gave its part (it keeps its reasoning
        // across an edit; without one Google checks nothing for an image).
        for (const image of sentImages(message, path)) {
          const part = mediaPart(image.url, image.path);
          parts.push(image.signature ? { ...part, thoughtSignature: image.signature } : part);
        }
        const signatures = callSignatures(message.tool_calls ?? []);
        for (const [j, call] of (message.tool_calls ?? []).entries()) {
          // Its place among all calls (not within its message): assistant messages in a row merge
          // into one model turn, whose results must follow the order of the whole turn's calls.
          calls.set(call.id, { name: call.function.name, place: callsSeen++ });
          const args = parseArguments(call.function.arguments, `${path}.tool_calls[${j}].function.arguments`);
          const signature = signatures[j];
          parts.push({
            functionCall: { id: call.id, name: call.function.name, args },
            ...(signature ? { thoughtSignature: signature } : {}),
          });
        }
        if (parts.length > 0) push('model', parts);
        break;
      }
      case 'tool': {
        const call = calls.get(message.tool_call_id);
        if (!call) {
          throw invalidRequest(
            `tool_call_id '${message.tool_call_id}' matches no tool call of an earlier assistant message.`,
            `${path}.tool_call_id`,
          );
        }
        const response = toolResponse(message.content);
        const part = { functionResponse: { id: message.tool_call_id, name: call.name, response } };
        places.set(part, call.place);
        const attached = toolMedia(message.content, `${path}.content`, call.name, message.tool_call_id);
        for (const item of attached) media.add(item);
        push('user', [part, ...attached]);
        break;
      }
      case 'function':
        throw new Unsupported(
          'Messages with role "function" are deprecated: use tool messages.',
          `${path}.role`,
        );
    }
  });
  // OpenAI pairs results with calls by id, so a client may send them in any order; Gemini pairs
  // them by id where the model gives ids, and by position where not.
  for (const content of contents) inCallOrder(content.parts, places, media);
  return { system, contents };
}

/**
 * The thought signature each of an answer's calls goes back with: the ones its calls carry
 * (`extra_content.google.thought_signature`, as the answer gave them: Gemini 3 signs the first call
 * of each step, and parallel calls after it come unsigned); when none carries one (a client that
 * kept only OpenAI's fields), Google's placeholder on the first, without which Gemini 3 refuses the
 * turn, though the model reasons worse than with its own signature.
 */
function callSignatures(calls: readonly Record<string, unknown>[]): (string | undefined)[] {
  const carried = calls.map((call) => thoughtSignature(call.extra_content));
  if (carried.some(Boolean)) return carried;
  return calls.map((_, j) => (j === 0 ? SKIP_SIGNATURE : undefined));
}

/**
 * Sorts each run of consecutive functionResponse parts by the place of its call (stable); the
 * media the tools returned, within the run, go after all of its results, in their order.
 */
function inCallOrder(parts: Part[], places: ReadonlyMap<Part, number>, media: ReadonlySet<Part>): void {
  const inRun = (part: Part) => places.has(part) || media.has(part);
  const place = (part: Part) => places.get(part) ?? Number.MAX_SAFE_INTEGER;
  for (let start = 0; start < parts.length; start++) {
    if (!inRun(parts[start] as Part)) continue;
    let end = start;
    while (end < parts.length && inRun(parts[end] as Part)) end++;
    const run = parts.slice(start, end).sort((a, b) => place(a) - place(b));
    parts.splice(start, run.length, ...run);
    start = end;
  }
}

/** A tool's output as the object Gemini wants: a JSON object as is, anything else under `output`. */
function toolResponse(content: string | ContentPart[]): Record<string, unknown> {
  const text =
    typeof content === 'string'
      ? content
      : content.map((part) => (part.type === 'text' ? part.text : '')).join('');
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // plain text output
  }
  return { output: text };
}

/**
 * The images, audio and files of a tool's output (a screenshot tool's), as parts of the user turn
 * beside its functionResponse, which holds only the text: every Gemini model reads them there. They
 * follow all of the turn's results, so a line before them names the call they came from (with two
 * screenshot results, which image is whose).
 */
function toolMedia(content: string | ContentPart[], path: string, name: string, id: string): Part[] {
  if (typeof content === 'string') return [];
  const media = content.flatMap((part, j) =>
    part.type === 'text' || part.type === 'refusal' ? [] : [userPart(part, `${path}[${j}]`)],
  );
  return media.length === 0 ? [] : [{ text: `Returned by the ${name} call ${id}:` }, ...media];
}

function parseArguments(text: string, path: string): Record<string, unknown> {
  try {
    const value: unknown = text.trim() ? JSON.parse(text) : {};
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw invalidRequest('Tool call arguments must be a JSON object.', path);
}
