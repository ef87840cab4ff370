// OpenAI's current output cap, `max_completion_tokens`, as `max_tokens` for services that take only
// the older field (Mistral refuses the newer one; DeepSeek and Ollama ignore it), and for the
// gateway's own cap (limits.enforceMaxTokens) to a service not known to take the newer one.
import type { ChatRequest } from '../openai/schemas';

/** `max_completion_tokens` as `max_tokens`, taking its place (limits read it first); a null one left out. */
export function capAsMaxTokens(body: ChatRequest): ChatRequest {
  const { max_completion_tokens, ...rest } = body;
  return max_completion_tokens == null ? rest : { ...rest, max_tokens: max_completion_tokens };
}
