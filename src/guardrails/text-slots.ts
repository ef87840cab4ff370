// The places in a chat request where prompt text lives: message content (string or text parts) and
// assistant tool-call arguments. Addressed by index, so they can be read from the client's body and
// written into a copy of it.
import type { ChatRequest } from '../openai/schemas';

export interface TextSlot {
  /** Tool-call arguments are JSON text: what is written there must keep it valid JSON. */
  json: boolean;
  get(body: ChatRequest): string;
  set(body: ChatRequest, value: string): void;
}

type Loose = Record<string, unknown>;

export function textSlots(body: ChatRequest): TextSlot[] {
  const slots: TextSlot[] = [];
  body.messages.forEach((message, m) => {
    const msg = (b: ChatRequest) => b.messages[m] as unknown as Loose;
    const content = message.content;
    if (typeof content === 'string') {
      slots.push({
        json: false,
        get: (b) => msg(b).content as string,
        set: (b, v) => {
          msg(b).content = v;
        },
      });
    } else if (Array.isArray(content)) {
      content.forEach((part, p) => {
        if (part.type !== 'text') return;
        const at = (b: ChatRequest) => (msg(b).content as Loose[])[p]!;
        slots.push({
          json: false,
          get: (b) => at(b).text as string,
          set: (b, v) => {
            at(b).text = v;
          },
        });
      });
    }
    if (message.role === 'assistant') {
      message.tool_calls?.forEach((_, t) => {
        const fn = (b: ChatRequest) => (msg(b).tool_calls as Loose[])[t]!.function as Loose;
        slots.push({
          json: true,
          get: (b) => fn(b).arguments as string,
          set: (b, v) => {
            fn(b).arguments = v;
          },
        });
      });
    }
  });
  return slots;
}
