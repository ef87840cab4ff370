import { describe, expect, it } from 'vitest';
import type { ChatRequest, EmbeddingsRequest } from '../../src/openai/schemas';
import { mistralChatBody, mistralEmbeddingsBody } from '../../src/providers/mistral-body';

const body = (fields: Record<string, unknown>) =>
  ({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...fields }) as ChatRequest;

describe('mistralChatBody', () => {
  it("renames OpenAI's output cap and seed to Mistral's, and leaves out OpenAI's bookkeeping", () => {
    const sent = mistralChatBody(
      body({
        max_completion_tokens: 300,
        seed: 7,
        store: true,
        metadata: { a: '1' },
        service_tier: 'auto',
        prompt_cache_key: 'k',
        user: 'u',
        safety_identifier: 's',
        verbosity: 'low',
        temperature: 0.2,
        prediction: { type: 'content', content: 'x' },
        safe_prompt: true,
      }),
    );
    expect(sent).toEqual(
      body({
        max_tokens: 300,
        random_seed: 7,
        temperature: 0.2,
        prediction: { type: 'content', content: 'x' },
        safe_prompt: true,
      }),
    );
  });

  it('takes max_completion_tokens over max_tokens, as limits read them, and drops nulls', () => {
    expect(mistralChatBody(body({ max_tokens: 10, max_completion_tokens: 20 }))).toEqual(
      body({ max_tokens: 20 }),
    );
    expect(mistralChatBody(body({ max_tokens: 10 }))).toEqual(body({ max_tokens: 10 }));
    expect(mistralChatBody(body({ max_completion_tokens: null, seed: null }))).toEqual(body({}));
    // Mistral's own name wins over OpenAI's.
    expect(mistralChatBody(body({ seed: 1, random_seed: 2 }))).toEqual(body({ random_seed: 2 }));
  });

  it('leaves the client’s body as it was', () => {
    const original = body({ max_completion_tokens: 5, seed: 1, user: 'u' });
    const copy = structuredClone(original);
    mistralChatBody(original);
    expect(original).toEqual(copy);
  });
});

describe('mistralEmbeddingsBody', () => {
  it("sends OpenAI's dimensions as Mistral's output_dimension, and leaves out the end user's id", () => {
    const sent = mistralEmbeddingsBody({
      model: 'codestral-embed',
      input: 'hi',
      dimensions: 256,
      user: 'u1',
      encoding_format: 'float',
    } as EmbeddingsRequest);
    expect(sent).toEqual({
      model: 'codestral-embed',
      input: 'hi',
      output_dimension: 256,
      encoding_format: 'float',
    });
    expect(mistralEmbeddingsBody({ model: 'm', input: 'x' } as EmbeddingsRequest)).toEqual({
      model: 'm',
      input: 'x',
    });
  });
});
