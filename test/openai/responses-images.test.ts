// image_generation_call items sent back to /v1/responses: the images of their assistant turn again.
import { describe, expect, it } from 'vitest';
import { toBase64 } from '../../src/base64';
import { completionToResponse, responseIds } from '../../src/openai/responses-answer';
import { imageType } from '../../src/openai/responses-images';
import { translateRequest } from '../../src/openai/responses-request';
import { responsesRequest } from '../../src/openai/responses-schema';
import type { ChatRequest } from '../../src/openai/schemas';
import { toAnthropicRequest } from '../../src/providers/anthropic-request';
import type { Json } from '../helpers/gateway';

const PNG = 'iVBORw0KGgoAAAANSUhEUg==';
const JPEG = toBase64(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1]));
const WEBP = toBase64(new TextEncoder().encode('RIFF\u0010\u0000\u0000\u0000WEBPVP8 '));
const image = (type: string, data: string) => ({
  type: 'image_url',
  image_url: { url: `data:${type};base64,${data}` },
});
const call = (result: string | null, id = 'ig_1') => ({
  type: 'image_generation_call',
  id,
  status: 'completed',
  result,
});
const said = (text: string) => ({
  type: 'message',
  role: 'assistant',
  content: [{ type: 'output_text', text }],
});

describe('image_generation_call items sent back', () => {
  it('tell their media type from their bytes: PNG, JPEG, WebP; none for other bytes', () => {
    expect(imageType(PNG)).toBe('image/png');
    expect(imageType(JPEG)).toBe('image/jpeg');
    expect(imageType(WEBP)).toBe('image/webp');
    expect(imageType(toBase64('plain text, no image'))).toBeUndefined();
    expect(imageType('not base64 at all!')).toBeUndefined();
  });

  it('are the images of the assistant turn before them, in order', () => {
    const { chat } = translateRequest({
      model: 'm',
      input: [
        { role: 'user', content: 'Draw a cat' },
        said('A cat:'),
        call(PNG),
        call(JPEG, 'ig_2'),
        { role: 'user', content: 'Make the sky darker' },
      ],
    });
    expect(chat.messages).toEqual([
      { role: 'user', content: 'Draw a cat' },
      { role: 'assistant', content: 'A cat:', images: [image('image/png', PNG), image('image/jpeg', JPEG)] },
      { role: 'user', content: 'Make the sky darker' },
    ]);
  });

  it('go to the next assistant turn when none is before them, or make one of their own', () => {
    const ahead = translateRequest({
      model: 'm',
      input: [
        { role: 'user', content: 'Draw' },
        call(WEBP),
        said('Done.'),
        { role: 'user', content: 'Again' },
      ],
    });
    expect((ahead.chat.messages as Json[])[1]).toEqual({
      role: 'assistant',
      content: 'Done.',
      images: [image('image/webp', WEBP)],
    });
    const alone = translateRequest({
      model: 'm',
      input: [{ role: 'user', content: 'Draw' }, call(PNG), { role: 'user', content: 'Again' }],
    });
    expect((alone.chat.messages as Json[])[1]).toEqual({
      role: 'assistant',
      content: null,
      images: [image('image/png', PNG)],
    });
  });

  it('after the last item are an assistant turn of their own at the end', () => {
    const alone = translateRequest({ model: 'm', input: [{ role: 'user', content: 'Draw' }, call(PNG)] });
    expect(alone.chat.messages).toEqual([
      { role: 'user', content: 'Draw' },
      { role: 'assistant', content: null, images: [image('image/png', PNG)] },
    ]);
    const afterResults = translateRequest({
      model: 'm',
      tools: [{ type: 'function', name: 'save', parameters: { type: 'object' } }],
      input: [
        { role: 'user', content: 'Draw and save' },
        { type: 'function_call', call_id: 'c1', name: 'save', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c1', output: 'saved' },
        call(JPEG),
        call(WEBP, 'ig_2'),
      ],
    });
    expect((afterResults.chat.messages as Json[]).slice(2)).toEqual([
      { role: 'tool', tool_call_id: 'c1', content: 'saved' },
      { role: 'assistant', content: null, images: [image('image/jpeg', JPEG), image('image/webp', WEBP)] },
    ]);
    // Anthropic's assistant turns hold no image: they follow the tool results, as the model's.
    const claude = toAnthropicRequest(afterResults.chat as ChatRequest, 'claude-sonnet-4-5', {
      defaultMaxTokens: 100,
    }).body.messages as Json[];
    expect(claude.at(-1)!.content.map((block: Json) => block.type)).toEqual([
      'tool_result',
      'text',
      'image',
      'image',
    ]);
  });

  it('are left out without bytes, or with bytes of no known image type', () => {
    const { chat } = translateRequest({
      model: 'm',
      input: [
        { role: 'user', content: 'Draw' },
        said('Here.'),
        call(null),
        call(toBase64('no image')),
        { role: 'user', content: 'Again' },
      ],
    });
    expect((chat.messages as Json[])[1]).toEqual({ role: 'assistant', content: 'Here.' });
  });

  it('round-trip a Response the gateway gave for an image answer', () => {
    const request = responsesRequest.parse({ model: 'm', input: 'Draw a cat' });
    const completion = {
      id: 'c',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'A cat:', images: [image('image/png', PNG)] },
          finish_reason: 'stop',
        },
      ],
    };
    const output = completionToResponse(request, completion, responseIds('r1')).output as Json[];
    const { chat } = translateRequest({
      model: 'm',
      input: [{ role: 'user', content: 'Draw a cat' }, ...output, { role: 'user', content: 'Darker' }],
    });
    expect((chat.messages as Json[])[1]).toMatchObject({
      role: 'assistant',
      images: [image('image/png', PNG)],
    });
  });
});
