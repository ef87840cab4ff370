// Adapters may relay a very large embeddings answer unparsed (RawEmbeddings); these tests expect a parsed one.
import type { EmbeddingsResult, RawEmbeddings } from '../../src/providers/types';

export function parsed(result: EmbeddingsResult | RawEmbeddings): EmbeddingsResult {
  if ('raw' in result) throw new Error('expected a parsed embeddings answer');
  return result;
}
