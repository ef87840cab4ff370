// A provider's base URL with each request's path: a query string in it stays one.
import { describe, expect, it } from 'vitest';
import { urlUnder } from '../../src/providers/base-url';

describe('urlUnder', () => {
  it('adds the path, dropping trailing slashes of the base', () => {
    expect(urlUnder('https://api.example.com/v1/')('/chat/completions')).toBe(
      'https://api.example.com/v1/chat/completions',
    );
    expect(urlUnder('https://api.example.com')('/v1/messages')).toBe('https://api.example.com/v1/messages');
  });

  it("keeps the base's query string after the path, beside the path's own", () => {
    const under = urlUnder('https://proxy.example/v1/?key=abc&team=x');
    expect(under('/chat/completions')).toBe('https://proxy.example/v1/chat/completions?key=abc&team=x');
    const url = new URL(under('/models/m:streamGenerateContent?alt=sse'));
    expect(url.pathname).toBe('/v1/models/m:streamGenerateContent');
    expect(url.searchParams.get('key')).toBe('abc');
    expect(url.searchParams.get('alt')).toBe('sse');
  });

  it('drops a #fragment, which would otherwise swallow the path (a stored config may have one)', () => {
    expect(urlUnder('https://api.example.com/v1#frag')('/chat/completions')).toBe(
      'https://api.example.com/v1/chat/completions',
    );
    expect(urlUnder('https://api.example.com/v1/#')('/chat/completions')).toBe(
      'https://api.example.com/v1/chat/completions',
    );
    expect(urlUnder('https://proxy.example/v1?key=abc#x?y')('/chat/completions?alt=sse')).toBe(
      'https://proxy.example/v1/chat/completions?key=abc&alt=sse',
    );
    expect(urlUnder('https://proxy.example/v1#x?key=abc')('/chat/completions')).toBe(
      'https://proxy.example/v1/chat/completions',
    );
  });
});
