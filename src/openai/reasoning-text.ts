// A chat answer's readable reasoning, under either name services give it: `reasoning_content`
// (DeepSeek's, and the gateway's own adapters') or `reasoning` (OpenRouter's, Groq's, Ollama's,
// newer vLLM's; a string, beside OpenRouter's structured `reasoning_details`, which is not read).
// One is read, never both: vLLM has sent the same text under the two names.

/** The reasoning text of a chat message or stream delta; '' when it carries none. */
export function reasoningText(message: Record<string, unknown>): string {
  const { reasoning_content: named, reasoning } = message;
  if (typeof named === 'string' && named !== '') return named;
  return typeof reasoning === 'string' ? reasoning : '';
}
