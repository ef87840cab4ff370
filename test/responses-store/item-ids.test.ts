// Item ids → the response holding them: the request id's random part is counted, not split on `_`,
// which base64url may hold.
import { describe, expect, it } from 'vitest';
import { randomId } from '../../src/auth/gateway-key';
import { responseIds } from '../../src/openai/responses-answer';
import { inputItemId, responseIdOfItem } from '../../src/responses-store/item-ids';

describe('responseIdOfItem', () => {
  it('names the response of every item id responseIds gives, its base holding _ or not', () => {
    for (const requestId of [randomId('req'), 'req_ab_1cd-ef_2ghi_1', 'req_0123456789______']) {
      const ids = responseIds(requestId);
      for (const item of [
        ids.message,
        `${ids.message}_1`,
        ids.reasoning,
        `${ids.reasoning}_2`,
        ids.call(0),
        ids.customCall(12),
        ids.image(3),
        inputItemId({}, ids.response, 7),
      ])
        expect(responseIdOfItem(item), item).toBe(ids.response);
    }
  });

  it('names none for an id the gateway never gave', () => {
    for (const id of ['msg_unknown', 'msg_0123456789abcdef_', 'msg_0123456789abcdefg', 'resp', ''])
      expect(responseIdOfItem(id), id).toBeUndefined();
  });

  it('keeps an input item its own id', () => {
    expect(inputItemId({ id: 'msg_own' }, 'resp_x', 0)).toBe('msg_own');
  });
});
