// What an error on a request's path leaves in Workers Logs: its name, status, code and failure kind,
// never its message (a provider's may quote the prompt), nor a message that mimics stack frames.
import { describe, expect, it } from 'vitest';
import { describeError, stackFrames } from '../src/describe-error';
import { GatewayError } from '../src/errors';
import { UpstreamError } from '../src/providers/types';

const PROMPT = 'my card number is 4111 1111 1111 1111';

describe('describeError', () => {
  it("names a provider's error by its status, code and failure kind, without its text", () => {
    const error = new UpstreamError('caller', 400, `Invalid prompt: '${PROMPT}' was flagged`, {
      code: 'invalid_prompt',
      param: 'messages',
    });
    const described = describeError(error);
    expect(described).toBe('UpstreamError (status 400, code invalid_prompt, failure caller)');
    expect(described).not.toContain('4111');
  });

  it('leaves out a code that reads as text, and the message of any error', () => {
    const error = new UpstreamError('server', 500, PROMPT, { code: `bad input: ${PROMPT}` });
    expect(describeError(error)).toBe('UpstreamError (status 500, failure server)');
    let parseError: unknown;
    try {
      JSON.parse(`{"content": "${PROMPT}"`);
    } catch (caught) {
      parseError = caught;
    }
    expect(describeError(parseError)).toBe('SyntaxError');
    expect(describeError(new GatewayError(403, 'permission_error', 'guardrail_blocked', PROMPT))).toBe(
      'GatewayError (status 403, code guardrail_blocked)',
    );
    // A DOMException's numeric legacy code says nothing its name does not.
    expect(describeError(new DOMException(PROMPT, 'TimeoutError'))).toBe('TimeoutError');
  });

  it('says what was thrown when it is not an error', () => {
    expect(describeError(PROMPT)).toBe('non-error thrown (string)');
    expect(describeError(undefined)).toBe('non-error thrown (undefined)');
  });
});

describe('stackFrames', () => {
  it("keeps the stack's frames and none of the message, even one that looks like a frame", () => {
    const error = new Error(`${PROMPT}\n    at ${PROMPT} (file.js:1:1)`);
    const frames = stackFrames(error);
    expect(frames).toMatch(/^\s+at /);
    expect(frames).not.toContain('4111');
  });
});
