// The lookups that store nothing: a skip, and a hit replaying a stored answer (its own or one
// shared by an identical request, inflight.ts).
import type { ChatRequest } from '../openai/schemas';
import type { SharedAnswer } from './inflight';
import { replay } from './replay';
import type { CacheLookup } from './session-types';

export const SIMILARITY_HEADER = 'x-tollgate-cache-similarity';

export const noop = () => {};
export const skipped = (): CacheLookup => ({
  status: 'skip',
  savedUsd: 0,
  saveJson: noop,
  onStreamEvent: noop,
  saveStream: noop,
  abandon: noop,
});

export function hit(body: ChatRequest, { entry, similarity }: SharedAnswer): CacheLookup {
  return {
    ...skipped(),
    status: similarity === undefined ? 'hit-exact' : 'hit-semantic',
    savedUsd: entry.costUsd,
    servedBy: { provider: entry.provider, model: entry.model },
    ...(similarity !== undefined ? { similarity } : {}),
    respond(headers, logBody) {
      if (similarity !== undefined) headers.set(SIMILARITY_HEADER, similarity.toFixed(4));
      return replay(entry, body, headers, logBody);
    },
  };
}
