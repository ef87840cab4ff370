// OpenAI's 404 for an `item_reference` to an item the key holds none of (src/responses-store/references.ts):
// the same for an unknown id, another key's item, an expired or deleted one.
import { expect } from 'vitest';
import type { Json } from './gateway';
import { expectOpenAIShape } from './openapi';

export async function expectItemNotFound(response: Response, id: string): Promise<void> {
  expect(response.status, await response.clone().text()).toBe(404);
  const body: Json = await response.json();
  expectOpenAIShape('ErrorResponse', body);
  expect(body.error).toEqual({
    message: `Item with id '${id}' not found.`,
    type: 'invalid_request_error',
    param: 'input',
    code: null,
  });
}
