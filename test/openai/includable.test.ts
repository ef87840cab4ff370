// `include` values (src/openai/includable.ts): OpenAI's own taken, any other refused as OpenAI refuses
// it, naming its place; a query's given as the OpenAI SDK writes a list, or repeated.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors';
import { checkInclude, checkIncludeQuery, INCLUDABLE } from '../../src/openai/includable';

function refusal(check: () => void): GatewayError {
  try {
    check();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('include', () => {
  it("takes every value of OpenAI's IncludeEnum, and none", () => {
    expect(INCLUDABLE).toHaveLength(8);
    expect(() => checkInclude(INCLUDABLE)).not.toThrow();
    expect(() => checkInclude([])).not.toThrow();
  });

  it('refuses the first value OpenAI does not know, in its words, naming its place', () => {
    const error = refusal(() => checkInclude(['reasoning.encrypted_content', 'reasoning.content', 'x']));
    expect(error.toBody().error).toMatchObject({
      type: 'invalid_request_error',
      param: 'include[1]',
      code: 'invalid_value',
    });
    expect(error.status).toBe(400);
    expect(error.message).toMatch(
      /^Invalid value: 'reasoning\.content'\. Supported values are: 'file_search_call\.results', .*'message\.output_text\.logprobs'\.$/,
    );
  });

  it("reads a query's values from include[] and include alike, in order", () => {
    expect(() =>
      checkIncludeQuery({
        'include[]': ['message.output_text.logprobs'],
        include: ['web_search_call.results'],
      }),
    ).not.toThrow();
    const error = refusal(() =>
      checkIncludeQuery({
        include: ['code_interpreter_call.outputs'],
        'include[]': ['file_search_call.result'],
      }),
    );
    expect(error.param).toBe('include[1]');
    expect(() => checkIncludeQuery({ limit: ['x'] })).not.toThrow();
  });
});
