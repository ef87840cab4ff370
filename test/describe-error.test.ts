// What an error on a request's path leaves in Workers Logs: its name, status, code and failure kind,
// never its message (a provider's may quote the prompt), nor a message that mimics stack frames.
import { describe, expect, it } from 'vitest';
import { describeError, describeFailure, safeMessage, stackFrames } from '../src/describe-error';
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

describe('describeFailure', () => {
  it("keeps a storage error's name, flags and message, which hold nothing secret", () => {
    const overloaded = Object.assign(
      new Error('Durable Object is overloaded. Requests queued for too long.'),
      {
        overloaded: true,
        retryable: false,
      },
    );
    expect(describeFailure(overloaded)).toBe(
      'Error [overloaded]: Durable Object is overloaded. Requests queued for too long.',
    );
    expect(
      describeFailure(new Error("Durable Object's isolate exceeded its memory limit and was reset.")),
    ).toBe("Error: Durable Object's isolate exceeded its memory limit and was reset.");
    expect(describeFailure(new Error('D1_ERROR: no such table: request_logs: SQLITE_ERROR'))).toBe(
      'Error: D1_ERROR: no such table: request_logs: SQLITE_ERROR',
    );
    expect(describeFailure(new TypeError('Network connection lost.'))).toBe(
      'TypeError: Network connection lost.',
    );
    expect(describeFailure(new Error(''))).toBe('Error');
    expect(describeFailure('a thrown string')).toBe('non-error thrown (string)');
  });

  it('takes out a URL beyond its origin, credentials and anything shaped like a key', () => {
    const error = new Error(
      'fetch https://admin:hunter2@objects.internal:8443/v1/keys?api_key=AIzaSyD0secret failed: ' +
        'Authorization: Bearer sk-proj-Zx81secretToken, x-api-key=abc, password: pw, for tg-0123456789abcdefghij',
    );
    const described = describeFailure(error);
    expect(described).toBe(
      'Error: fetch https://objects.internal:8443 failed: Authorization: [redacted] [redacted], x-api-key=[redacted], password: [redacted], for [redacted]',
    );
    // A prefix the gateway knows, letters mixed with digits, a digest: each redacted wherever it stands.
    expect(safeMessage(`sk-test-secret then abc123def456ghi and ${'f'.repeat(64)}`)).toBe(
      '[redacted] then [redacted] and [redacted]',
    );
  });

  it('elides quoted text (what a SyntaxError quotes of the JSON, a value SQLite quotes) and keeps one line', () => {
    let parseError: unknown;
    try {
      JSON.parse(`{"apiKey": "sk-live", "content": "${PROMPT}"`);
    } catch (caught) {
      parseError = caught;
    }
    const described = describeFailure(parseError);
    expect(described).toMatch(/^SyntaxError: /);
    expect(described).not.toContain('sk-live');
    expect(described).not.toContain('4111');
    expect(safeMessage(`near "${PROMPT}": syntax error`)).toBe('near "…": syntax error');
    // A lone quote opens text cut short: nothing after it is kept.
    expect(safeMessage(`Unterminated string "${PROMPT}`)).toBe('Unterminated string "…');
    expect(safeMessage(`first line\n${PROMPT}`)).toBe('first line');
    expect(safeMessage('ab '.repeat(300))).toHaveLength(201);
    expect(safeMessage(undefined)).toBe('');
  });

  it('reads at most 2,000 characters of a long line: its patterns would take seconds on 80 KB', () => {
    // Before the cut, this line took about 8 s (the patterns' time grows with the square of its
    // length), past the test's timeout.
    const started = Date.now();
    expect(safeMessage(`${'a-'.repeat(40_000)} sk-secret`)).toBe('[redacted]');
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
