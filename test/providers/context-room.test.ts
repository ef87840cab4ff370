// The room a refusal of prompt + cap past the context window leaves: read from the words that name
// both counts, only when the cap asked is what overflowed and the room is worth an answer.
import { describe, expect, it } from 'vitest';
import { contextRoomFrom } from '../../src/providers/context-refusal';
import { UpstreamError } from '../../src/providers/types';

const refused = (message: string, failure: 'caller' | 'server' = 'caller') =>
  new UpstreamError(failure, 400, message);
const openai = (context: number, prompt: number, asked: number) =>
  refused(
    `This model's maximum context length is ${context} tokens. However, you requested ${prompt + asked} tokens (${prompt} in the messages, ${asked} in the completion). Please reduce the length of the messages or completion.`,
  );
const claude = (prompt: number, asked: number, context: number, tick = '`') =>
  refused(
    `input length and ${tick}max_tokens${tick} exceed context limit: ${prompt} + ${asked} > ${context}, decrease input length or ${tick}max_tokens${tick} and try again`,
  );

describe('contextRoomFrom', () => {
  it("reads OpenAI's words and Claude's, with or without backticks", () => {
    expect(contextRoomFrom(openai(128_000, 100_000, 30_000))).toBe(28_000);
    expect(contextRoomFrom(claude(188_240, 21_333, 200_000))).toBe(11_760);
    expect(contextRoomFrom(claude(192_514, 16_384, 200_000, ''))).toBe(7_486);
  });

  it('gives no room when the prompt alone fills the window, or the cap was not what overflowed', () => {
    expect(contextRoomFrom(openai(128_000, 130_000, 1_000))).toBeUndefined();
    expect(contextRoomFrom(claude(200_000, 4_096, 200_000))).toBeUndefined();
    expect(contextRoomFrom(claude(100_000, 4_096, 200_000))).toBeUndefined();
  });

  it('gives none under 1,024 tokens, unless that is at least half the cap asked', () => {
    expect(contextRoomFrom(claude(198_977, 4_096, 200_000))).toBeUndefined();
    expect(contextRoomFrom(claude(198_976, 4_096, 200_000))).toBe(1_024);
    expect(contextRoomFrom(openai(8_192, 7_992, 400))).toBe(200);
    expect(contextRoomFrom(openai(8_192, 7_993, 400))).toBeUndefined();
  });

  it('reads nothing else: a prompt counted alone, a total, or a provider-side failure', () => {
    expect(
      contextRoomFrom(
        refused("This model's maximum prompt length is 131072 but the request contains 136973 tokens."),
      ),
    ).toBeUndefined();
    expect(
      contextRoomFrom(
        refused(
          'Please reduce the length of the messages or completion. Current length is 42328 while limit is 40000',
        ),
      ),
    ).toBeUndefined();
    expect(contextRoomFrom(refused(openai(128_000, 100_000, 30_000).message, 'server'))).toBeUndefined();
  });
});
