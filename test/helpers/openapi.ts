// Asserts that a value validates against one of OpenAI's published response schemas.

import { env } from 'cloudflare:workers';
import { Validator } from '@cfworker/json-schema';
import { expect } from 'vitest';

type Name =
  | 'CreateChatCompletionResponse'
  | 'CreateChatCompletionStreamResponse'
  | 'CreateEmbeddingResponse'
  | 'ListModelsResponse'
  | 'ErrorResponse';

const validators = new Map<Name, Validator>();

export function expectOpenAIShape(name: Name, value: unknown): void {
  let validator = validators.get(name);
  if (!validator) {
    validator = new Validator({ $ref: `#/$defs/${name}`, $defs: env.OPENAI_SCHEMAS.$defs }, '2020-12', false);
    validators.set(name, validator);
  }
  const result = validator.validate(value);
  const problems = result.errors.map((e) => `${e.instanceLocation}: ${e.error}`).slice(0, 8);
  expect(
    result.valid,
    `${name} violations:\n${problems.join('\n')}\n${JSON.stringify(value).slice(0, 600)}`,
  ).toBe(true);
}

/** Parses an SSE body into its data payloads (without the final [DONE]). */
export function sseEvents(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((frame) => frame.startsWith('data: ') && frame !== 'data: [DONE]')
    .map((frame) => JSON.parse(frame.slice(6)));
}
