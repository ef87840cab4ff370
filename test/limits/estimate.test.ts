import { describe, expect, it } from 'vitest';
import {
  estimateInputTokens,
  FILE_ID_TOKENS,
  inputEstimate,
  maxOutputTokens,
  outputCapOf,
  thinkingBudget,
} from '../../src/limits/estimate';

describe('maxOutputTokens (what a reservation assumes)', () => {
  it("takes the client's cap, else the default plus an enabled thinking budget, times n", () => {
    expect(maxOutputTokens({ max_tokens: 100, n: 2 }, 4096)).toBe(200);
    expect(maxOutputTokens({}, 4096)).toBe(4096);
    // Anthropic's adapter raises its default max_tokens by the budget: the reservation follows.
    const thinking = { type: 'enabled', budget_tokens: 8000 };
    expect(maxOutputTokens({ thinking } as object, 4096)).toBe(12_096);
    expect(maxOutputTokens({ thinking, max_tokens: 9000 } as object, 4096)).toBe(9000);
    expect(maxOutputTokens({ thinking: { type: 'disabled', budget_tokens: 8000 } } as object, 4096)).toBe(
      4096,
    );
  });

  it('takes the larger of max_tokens and max_completion_tokens when both are given (a service may honour either)', () => {
    expect(maxOutputTokens({ max_completion_tokens: 10, max_tokens: 5000 }, 4096)).toBe(5000);
    expect(maxOutputTokens({ max_completion_tokens: 500, max_tokens: 20, n: 2 }, 4096)).toBe(1000);
    expect(maxOutputTokens({ max_completion_tokens: 10, max_tokens: null }, 4096)).toBe(10);
  });

  it('reads a budget only from enabled thinking, and only a positive number', () => {
    expect(thinkingBudget({})).toBeUndefined();
    expect(thinkingBudget({ thinking: { type: 'adaptive' } })).toBeUndefined();
    expect(thinkingBudget({ thinking: { type: 'enabled' } })).toBe(0);
    expect(thinkingBudget({ thinking: { type: 'enabled', budget_tokens: '9' } })).toBe(0);
    expect(thinkingBudget({ thinking: { type: 'enabled', budget_tokens: 2048 } })).toBe(2048);
  });
});

describe('outputCapOf (limits.enforceMaxTokens)', () => {
  it('is what the reservation counted per choice, only when enforced and the request sets no cap', () => {
    expect(outputCapOf({}, 4096, true)).toBe(4096);
    expect(outputCapOf({}, 4096, false)).toBeUndefined();
    expect(outputCapOf({ max_tokens: 10 }, 4096, true)).toBeUndefined();
    expect(outputCapOf({ max_completion_tokens: 10 }, 4096, true)).toBeUndefined();
    expect(outputCapOf({ max_tokens: null }, 4096, true)).toBe(4096);
    // Anthropic's max_tokens must exceed the thinking budget: the cap carries it, as the reservation did.
    const thinking = { type: 'enabled', budget_tokens: 8000 };
    expect(outputCapOf({ thinking } as object, 4096, true)).toBe(12_096);
  });
});

describe('reasoning_effort in the reservation (mapped to a thinking budget by the adapters)', () => {
  it('counts the budget an effort may buy beside the default, and a native thinking over it', () => {
    expect(maxOutputTokens({ reasoning_effort: 'high' } as object, 4096)).toBe(4096 + 24_576);
    expect(maxOutputTokens({ reasoning_effort: 'medium', n: 2 } as object, 4096)).toBe(2 * (4096 + 8192));
    expect(maxOutputTokens({ reasoning_effort: 'minimal' } as object, 4096)).toBe(4096 + 1024);
    expect(maxOutputTokens({ reasoning_effort: 'none' } as object, 4096)).toBe(4096);
    expect(maxOutputTokens({ reasoning_effort: 'bogus' } as object, 4096)).toBe(4096);
    expect(maxOutputTokens({ reasoning_effort: 'high', max_tokens: 2000 } as object, 4096)).toBe(2000);
    // A native thinking wins, as in the adapters.
    const thinking = { type: 'enabled', budget_tokens: 2048 };
    expect(thinkingBudget({ reasoning_effort: 'high', thinking })).toBe(2048);
    expect(thinkingBudget({ reasoning_effort: 'high', thinking: { type: 'adaptive' } })).toBeUndefined();
    expect(outputCapOf({ reasoning_effort: 'low' } as object, 4096, true)).toBe(4096 + 1024);
  });

  it("counts Gemini's native thinkingBudget, which wins over an effort at the Gemini adapter", () => {
    const gemini = (thinkingBudget: number) => ({
      reasoning_effort: 'low',
      generationConfig: { thinkingConfig: { thinkingBudget } },
    });
    expect(maxOutputTokens(gemini(16_000) as object, 4096)).toBe(4096 + 16_000);
    // Dynamic (-1) or off (0): the effort's, as no fixed budget is set.
    expect(maxOutputTokens(gemini(-1) as object, 4096)).toBe(4096 + 1024);
    expect(
      maxOutputTokens({ generationConfig: { thinkingConfig: { thinkingBudget: 0 } } } as object, 4096),
    ).toBe(4096);
  });
});

describe('estimateInputTokens: inline audio and files', () => {
  it('sizes base64 audio and documents by their bytes, not as text', () => {
    const audio = 'UklGR'.padEnd(1_300_000, 'A'); // ~975 KB: 30 seconds of 16 kHz WAV
    const document = `data:application/pdf;base64,${'JVBERi0'.padEnd(1_300_000, 'A')}`;
    const ask = (part: unknown) =>
      estimateInputTokens({ messages: [{ role: 'user', content: [part] }] } as never);
    // Counted as text, each was ~325,000 tokens: more than most TPM limits, refused for good.
    expect(ask({ type: 'input_audio', input_audio: { data: audio, format: 'wav' } })).toBeLessThan(2_000);
    expect(ask({ type: 'file', file: { filename: 'a.pdf', file_data: document } })).toBeLessThan(40_000);
    expect(ask({ type: 'file', file: { filename: 'a.pdf', file_data: document } })).toBeGreaterThan(30_000);
  });
});

describe('estimateInputTokens: files sent by file_id', () => {
  const ask = (parts: unknown[], fileIdTokens?: number) =>
    estimateInputTokens({ messages: [{ role: 'user', content: parts }] } as never, fileIdTokens);
  const byId = { type: 'file', file: { file_id: 'file-abc123' } };

  it('counts each at the per-file allowance, not as the ~10 tokens of its JSON', () => {
    const plain = ask([]);
    expect(ask([byId]) - plain).toBe(FILE_ID_TOKENS);
    expect(ask([byId, { type: 'file', file: { file_id: 'file-def456', filename: 'b.pdf' } }]) - plain).toBe(
      2 * FILE_ID_TOKENS,
    );
  });

  it('takes the allowance it is given (limits.fileIdTokens), and sizes inline data by its bytes still', () => {
    expect(ask([byId], 500) - ask([], 500)).toBe(500);
    const inline = {
      type: 'file',
      file: { file_id: 'file-abc123', file_data: 'data:application/pdf;base64,AAAA' },
    };
    expect(ask([inline]) - ask([])).toBeLessThan(10);
  });
});

describe('inputEstimate: what is seen, and what is reserved for files sent by file_id', () => {
  const request = (parts: unknown[]) => ({ messages: [{ role: 'user', content: parts }] }) as never;
  const byId = { type: 'file', file: { file_id: 'file-abc123' } };
  const plain = inputEstimate(request([]), 1_000).seen;

  it('sees nothing of a file by id, and reserves its allowance', () => {
    expect(inputEstimate(request([byId]), 1_000)).toEqual({ seen: plain + 0, reserved: plain + 1_000 });
  });

  it('sees an image sent by id as an image of unknown size, and reserves no file allowance for it', () => {
    // A Responses input_image by file_id and an input_file by file_id: two file parts in chat.
    const twoById = request([byId, { type: 'file', file: { file_id: 'file-def456' } }]);
    expect(inputEstimate(twoById, 1_000, ['auto'])).toEqual({
      seen: plain + 765,
      reserved: plain + 765 + 1_000,
    });
    expect(inputEstimate(request([byId]), 1_000, ['low'])).toEqual({
      seen: plain + 85,
      reserved: plain + 85,
    });
  });
});

describe('estimateInputTokens: provider-native parameters', () => {
  it("counts what the provider gets as its own (Anthropic's system, Cohere's documents) as prompt", () => {
    const messages = [{ role: 'user', content: 'hi' }];
    const plain = estimateInputTokens({ messages, user: 'someone', stop: ['x'] } as never);
    const system = 'x'.repeat(4_000);
    expect(estimateInputTokens({ messages, system } as never)).toBeGreaterThanOrEqual(plain + 1_000);
    const documents = [{ data: { text: system } }];
    expect(estimateInputTokens({ messages, documents } as never)).toBeGreaterThanOrEqual(plain + 1_000);
    expect(estimateInputTokens({ messages, system: null } as never)).toBe(
      estimateInputTokens({ messages } as never),
    );
  });
});

describe('estimateInputTokens: schemas the prompt carries', () => {
  it('counts a json_schema response format and legacy functions as it counts tools', () => {
    const messages = [{ role: 'user' as const, content: 'hi' }];
    const plain = estimateInputTokens({ messages } as never);
    const properties = Object.fromEntries(
      Array.from({ length: 300 }, (_, i) => [
        `field_${i}`,
        { type: 'string', description: `the ${i}th field` },
      ]),
    );
    const schema = { type: 'object', properties };
    const size = JSON.stringify(schema).length / 4;
    const formatted = estimateInputTokens({
      messages,
      response_format: { type: 'json_schema', json_schema: { name: 'big', schema } },
    } as never);
    expect(formatted).toBeGreaterThanOrEqual(plain + size * 0.9);
    const functions = [{ name: 'f', parameters: schema }];
    expect(estimateInputTokens({ messages, functions } as never)).toBeGreaterThanOrEqual(plain + size * 0.9);
    // A plain JSON mode adds nothing.
    expect(estimateInputTokens({ messages, response_format: { type: 'json_object' } } as never)).toBe(plain);
  });
});

describe('estimateInputTokens: message fields beyond the content', () => {
  it("counts a reasoning trace sent back, a legacy function_call and a service's own fields", () => {
    const trace = 'x'.repeat(8_000);
    const ask = (assistant: object) =>
      estimateInputTokens({
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'ok', ...assistant },
        ],
      } as never);
    const plain = ask({});
    expect(ask({ reasoning_content: trace })).toBeGreaterThanOrEqual(plain + 2_000);
    expect(ask({ function_call: { name: 'f', arguments: trace } })).toBeGreaterThanOrEqual(plain + 2_000);
    expect(ask({ vendor_context: { notes: [trace] } })).toBeGreaterThanOrEqual(plain + 2_000);
    // Absent and null fields add nothing.
    expect(ask({ reasoning_content: null })).toBe(plain);
  });
});

describe('estimateInputTokens: images', () => {
  const withImage = (image: { url: string; detail?: 'low' | 'high' | 'auto' }) =>
    estimateInputTokens({
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: image }] }],
    });

  it('counts an image by its detail and, when inline, its size — not one figure for every image', () => {
    const remote = withImage({ url: 'https://example.com/a.png' });
    const low = withImage({ url: 'https://example.com/a.png', detail: 'low' });
    expect(remote - low).toBe(765 - 85);
    // A 300×200 GIF: one OpenAI tile.
    const small = withImage({
      url: 'data:image/gif;base64,R0lGODlhLAHIAPAAAAAA/wAAACH5BAAAAAAALAAAAAAsAcgAAAL+hA==',
    });
    expect(remote - small).toBe(765 - 255);
  });
});

describe('estimateInputTokens: images a model made, sent back with its answer', () => {
  it('counts each as an image, not its base64 as text', () => {
    const made = `data:image/png;base64,${'iVBORw0KGgo'.padEnd(1_600_000, 'A')}`;
    const estimate = estimateInputTokens({
      messages: [
        { role: 'user', content: 'Draw a cat' },
        {
          role: 'assistant',
          content: 'A cat:',
          images: [{ type: 'image_url', image_url: { url: made } }],
        },
        { role: 'user', content: 'Make it blue' },
      ],
    } as never);
    // As text, ~400,000 tokens: the next turn refused by most TPM limits.
    expect(estimate).toBeLessThan(2_000);
    expect(estimate).toBeGreaterThan(500);
  });
});
