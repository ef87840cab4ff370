import { describe, expect, it } from 'vitest';
import { itemsTokens } from '../../src/conversations-store/item-tokens';
import { FILE_ID_TOKENS } from '../../src/limits/estimate';
import { UNKNOWN_IMAGE_TOKENS } from '../../src/limits/image-tokens';

const say = (content: unknown, role = 'user') => ({ type: 'message', role, content });

describe('itemsTokens', () => {
  it('counts nothing for no items, and text items as a Responses input of them', () => {
    expect(itemsTokens([], FILE_ID_TOKENS)).toBe(0);
    // 3 for the input, 4 a message, a token per 4 characters.
    expect(itemsTokens([say('x'.repeat(400))], FILE_ID_TOKENS)).toBe(3 + 4 + 100);
    expect(itemsTokens([say('x'.repeat(400)), say('y'.repeat(40), 'assistant')], FILE_ID_TOKENS)).toBe(
      3 + 4 + 100 + 4 + 10,
    );
  });

  it('counts an image as an image, and a file by id as limits.fileIdTokens, not as their text', () => {
    const image = 'https://example.test/cat.png';
    expect(itemsTokens([say([{ type: 'input_image', image_url: image }])], 500)).toBe(
      3 + 4 + UNKNOWN_IMAGE_TOKENS,
    );
    expect(itemsTokens([say([{ type: 'input_file', file_id: 'file_1' }])], 500)).toBe(3 + 4 + 500);
  });

  it('counts an item no model request could send as the text it is stored as', () => {
    // An image part with neither image_url nor file_id: a conversation takes it, chat could not.
    const bare = say([{ type: 'input_image', caption: 'x'.repeat(400) }]);
    expect(itemsTokens([bare], FILE_ID_TOKENS)).toBeGreaterThan(100);
  });

  it("counts another item's file by id as limits.fileIdTokens beside an untranslated item's image by id", () => {
    // Its image by file id is not among the chat messages: it must not stand in for the file's part.
    const bare = say([{ type: 'input_image', file_id: 'file_image' }, { type: 'input_image' }]);
    const file = say([{ type: 'input_file', file_id: 'file_doc' }]);
    expect(itemsTokens([bare, file], 30_000)).toBe(itemsTokens([bare], 30_000) + 4 + 30_000);
  });
});
