// Tool calls across providers: each provider makes its own ids, and a history may carry another's;
// a provider that refuses past calls in some requests is told them as text.

/**
 * An id as Anthropic and Bedrock Converse take it ([a-zA-Z0-9_-], at most 64 characters). Ids
 * made elsewhere (another provider's, a client's `functions.lookup:0`) are rewritten, the same way
 * in calls and results: a readable prefix and a hash of the whole id, so that ids differing only in
 * the characters replaced (`call.1`, `call:1`) or past the prefix stay apart.
 */
export function toolUseId(id: string): string {
  if (/^[\w-]{1,64}$/.test(id)) return id;
  return `${id.replace(/[^\w-]/g, '_').slice(0, 55)}_${shortHash(id)}`;
}

/** 8 hex digits of FNV-1a over `text`: the same in every isolate and deploy, for names made from it. */
export function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/** A past tool call told as text (where a provider refuses the call itself: no tools defined). */
export const calledToolText = (name: unknown, id: unknown, input: unknown) =>
  `[called tool ${name} (id ${id}) with ${JSON.stringify(input)}]`;

/** A past tool result told as text; a failed tool's led by "Error:", as chat tells a model. */
export const toolResultText = (id: unknown, output: string, failed = false) =>
  `[result of tool call ${id}: ${failed ? 'Error: ' : ''}${output}]`;

/**
 * A tool message flagged as a failed tool's result: Anthropic's `is_error`, which a /v1/messages
 * request's tool_result carries to Claude (src/anthropic/claude-fields.ts).
 */
export function failedTool(message: object): boolean {
  return (message as { is_error?: unknown }).is_error === true;
}
