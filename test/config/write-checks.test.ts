// Checks made when a config is written (PUT /admin/config) but not when a stored one is read:
// provider headers fetch cannot send, a baseUrl #fragment, reserved names. A config stored
// before them still loads.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEY, forgetConfig } from '../../src/config/store';
import { admin, call, chat, createKey, type Json, OPENAI_URL, putConfig } from '../helpers/gateway';
import { expectOpenAIShape } from '../helpers/openapi';
import { chatCompletion, json, onUpstream, recorded } from '../helpers/upstream';

const completion = chatCompletion(
  'hi',
  { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  { id: 'c', model: 'm' },
);
const hi = (model: string) => ({ model, messages: [{ role: 'user', content: 'hi' }] });

/** PUT /admin/config with the body as given: a JSON object literal cannot hold an own `__proto__`. */
function putRaw(body: string): Promise<Response> {
  return call('/admin/config', {
    method: 'PUT',
    headers: { authorization: 'Bearer test-admin-token', 'content-type': 'application/json' },
    body,
  });
}

async function refused(response: Response, param: string): Promise<string> {
  expect(response.status).toBe(400);
  const body = await response.json<Json>();
  expectOpenAIShape('ErrorResponse', body);
  expect(body.error).toMatchObject({ type: 'invalid_request_error', param });
  expect(body.error.message).toContain('previous config stays in force');
  expect(body.error.message).toContain(`${param}: `);
  return body.error.message;
}

describe('a config written with provider headers fetch cannot send', () => {
  const providers: [string, Record<string, unknown>][] = [
    ['openai', { type: 'openai', baseUrl: OPENAI_URL, apiKey: 'sk' }],
    ['anthropic', { type: 'anthropic', apiKey: 'sk-ant' }],
    ['gemini', { type: 'gemini', apiKey: 'AIza' }],
    ['azure-openai', { type: 'azure-openai', resourceName: 'res', apiKey: 'k' }],
  ];
  for (const [type, provider] of providers) {
    it(`is refused naming the header (${type})`, async () => {
      for (const name of ['X Org', 'x:org', 'x-örg', '']) {
        const message = await refused(
          await putConfig({ providers: { p: { ...provider, headers: { [name]: 'a' } } } }),
          `providers.p.headers.${name}`,
        );
        expect(message).toContain('a header name is letters, digits');
      }
      for (const value of ['a\nb', 'a\r\nX-Injected: 1', 'a\0b']) {
        const message = await refused(
          await putConfig({ providers: { p: { ...provider, headers: { 'x-org': value } } } }),
          'providers.p.headers.x-org',
        );
        expect(message).toContain('cannot contain CR, LF or NUL');
      }
    });
  }

  it('takes the headers fetch sends, tabs and colons in values included', async () => {
    const headers = { 'HTTP-Referer': 'https://app.example', "X-Title_!#$%&'*+.^`|~": 'a:\tb' };
    const put = await putConfig({
      providers: { openai: { type: 'openai', baseUrl: OPENAI_URL, apiKey: 'sk', headers } },
      models: { gpt: { targets: [{ provider: 'openai', model: 'gpt-4o' }] } },
    });
    expect(put.status, await put.clone().text()).toBe(200);
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json(completion));
    const { key } = await createKey();
    expect((await chat(key, hi('gpt'))).status).toBe(200);
    expect(recorded[0]!.headers.get('http-referer')).toBe('https://app.example');
  });
});

describe('a config written with a baseUrl that has a #fragment', () => {
  it('is refused: the fragment is never sent, nor would the path after it be', async () => {
    for (const baseUrl of [`${OPENAI_URL}#frag`, `${OPENAI_URL}#`, `${OPENAI_URL}?key=a#frag`]) {
      const message = await refused(
        await putConfig({ providers: { openai: { type: 'openai', baseUrl, apiKey: 'sk' } } }),
        'providers.openai.baseUrl',
      );
      expect(message).toContain('cannot have a #fragment');
    }
    const bedrock = { type: 'bedrock', region: 'us-east-1', accessKeyId: 'A', secretAccessKey: 'S' };
    await refused(
      await putConfig({ providers: { aws: { ...bedrock, baseUrl: 'https://vpce.test/#x' } } }),
      'providers.aws.baseUrl',
    );
  });
});

describe('a config written with a reserved name as a key', () => {
  const cases: [string, string, string][] = [
    [
      'an alias',
      '{"providers":{"mock":{"type":"mock"}},"models":{"__proto__":{"targets":[{"provider":"mock","model":"mock-1"}]}}}',
      'models.__proto__',
    ],
    [
      'a price',
      '{"providers":{"mock":{"type":"mock"}},"pricing":{"__proto__":{"inputPerMTok":1,"outputPerMTok":1}}}',
      'pricing.__proto__',
    ],
    ['a provider', '{"providers":{"constructor":{"type":"mock"}}}', 'providers.constructor'],
    [
      'a header',
      `{"providers":{"openai":{"type":"openai","baseUrl":"${OPENAI_URL}","headers":{"__proto__":"x"}}}}`,
      'providers.openai.headers.__proto__',
    ],
    [
      'a cache namespace',
      '{"providers":{"mock":{"type":"mock"}},"cache":{"namespaces":{"prototype":{"keys":["k"]}}}}',
      'cache.namespaces.prototype',
    ],
    [
      'a metadata field of a rule',
      '{"providers":{"mock":{"type":"mock"}},"models":{"x":{"strategy":"conditional","targets":[{"provider":"mock","model":"m"}],"rules":[{"when":{"metadata":{"constructor":"a"}},"targets":[{"provider":"mock","model":"m"}]}]}}}',
      'models.x.rules[0].when.metadata.constructor',
    ],
  ];
  for (const [what, body, param] of cases) {
    it(`is refused naming the key (${what})`, async () => {
      const key = param.split('.').at(-1)!;
      const message = await refused(await putRaw(body), param);
      expect(message).toContain(`'${key}' is reserved`);
    });
  }
});

describe('a config stored before these checks', () => {
  it('still loads and serves what worked, and a fragment no longer swallows the path', async () => {
    // As an earlier version stored it (PUT refuses each of these now).
    const stored = {
      providers: {
        broken: {
          type: 'openai',
          baseUrl: 'https://broken.test/v1',
          apiKey: 'sk',
          headers: { 'X Org': 'a' },
        },
        queried: { type: 'openai', baseUrl: `${OPENAI_URL}?key=a#frag`, apiKey: 'sk' },
        fragment: { type: 'openai', baseUrl: 'https://fragment.test/v1#frag', apiKey: 'sk' },
        constructor: { type: 'mock' },
      },
      models: {
        constructor: {
          targets: [
            { provider: 'broken', model: 'm' },
            { provider: 'queried', model: 'm' },
          ],
        },
        fragment: { targets: [{ provider: 'fragment', model: 'm' }] },
      },
    };
    await env.CACHE.put(CONFIG_KEY, JSON.stringify(stored));
    forgetConfig();
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json(completion));
    onUpstream('https://fragment.test/v1/chat/completions', () => json(completion));
    const { key } = await createKey();

    expect((await chat(key, hi('constructor'))).status).toBe(200);
    expect(recorded.at(-1)!.url).toBe(`${OPENAI_URL}/chat/completions?key=a`);
    expect((await chat(key, hi('fragment'))).status).toBe(200);
    expect(recorded.at(-1)!.url).toBe('https://fragment.test/v1/chat/completions');
    expect((await chat(key, hi('constructor/mock-1'))).status).toBe(200);
    const shown = await admin('/admin/config');
    expect(shown.status).toBe(200);
    expect(shown.headers.get('x-tollgate-config-source')).toBe('stored');
  });
});
