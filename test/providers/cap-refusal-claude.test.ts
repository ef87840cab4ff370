// Claude refuses a max_tokens above the model's own limit ("max_tokens: 16384 > 8192, which is the
// maximum allowed number of output tokens for claude-3-5-haiku-20241022"): the call goes again at the
// limit, its thinking budget kept below it, so a route's fallback with a lower limit still answers.
import { describe, expect, it } from 'vitest';
import textMessage from '../fixtures/anthropic/message-text.json';
import { chat, createKey, type Json, messages, OPENAI_URL, putConfig } from '../helpers/gateway';
import { json, onUpstream, recorded } from '../helpers/upstream';

const ANTHROPIC_URL = 'https://anthropic.test';
const MESSAGES = `${ANTHROPIC_URL}/v1/messages`;
const HAIKU = 'claude-3-5-haiku-20241022';

const refusal = (message: string) => ({ type: 'error', error: { type: 'invalid_request_error', message } });
const TOO_LARGE = (asked: number, limit: number) =>
  refusal(
    `max_tokens: ${asked} > ${limit}, which is the maximum allowed number of output tokens for ${HAIKU}`,
  );

async function setup() {
  const response = await putConfig({
    providers: {
      openai: { type: 'openai', baseUrl: OPENAI_URL, apiKey: 'sk-test' },
      anthropic: { type: 'anthropic', baseUrl: ANTHROPIC_URL, apiKey: 'sk-ant' },
    },
    models: {
      smart: {
        targets: [
          { provider: 'openai', model: 'gpt-4o' },
          { provider: 'anthropic', model: HAIKU },
        ],
      },
      haiku: { targets: [{ provider: 'anthropic', model: HAIKU }] },
    },
    retry: { attempts: 0 },
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await createKey()).key;
}

/** Anthropic as it answers a model whose output limit is `limit`. */
function claudeWithLimit(limit: number) {
  onUpstream(MESSAGES, (_request, sent) => {
    const asked = (sent.body as Json).max_tokens as number;
    return asked > limit ? json(TOO_LARGE(asked, limit), 400) : json(textMessage);
  });
}

const sentToClaude = () => recorded.filter((r) => r.url === MESSAGES).map((r) => r.body as Json);
const hello = [{ role: 'user', content: 'Hello' }];

describe('a cap above Claude’s limit', () => {
  it('fails over to a Claude model with a lower limit, asked again at its limit', async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json({ error: { message: 'down' } }, 503));
    claudeWithLimit(8192);
    const response = await chat(key, { model: 'smart', max_tokens: 16384, messages: hello });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.get('x-tollgate-model')).toBe(HAIKU);
    expect(((await response.json()) as Json).choices[0].message.content).toBe('Bonjour ! Comment ça va ?');
    expect(sentToClaude().map((b) => b.max_tokens)).toEqual([16384, 8192]);
  });

  it('lowers a thinking budget the lower cap would not stay above, and keeps one that fits', async () => {
    const key = await setup();
    claudeWithLimit(8192);
    const asked = { model: 'haiku', max_tokens: 32000, messages: hello };
    const high = await chat(key, { ...asked, thinking: { type: 'enabled', budget_tokens: 16000 } });
    expect(high.status, await high.clone().text()).toBe(200);
    const fits = await chat(key, { ...asked, thinking: { type: 'enabled', budget_tokens: 4000 } });
    expect(fits.status).toBe(200);
    expect(sentToClaude().map((b) => [b.max_tokens, b.thinking.budget_tokens])).toEqual([
      [32000, 16000],
      [8192, 8191],
      [32000, 4000],
      [8192, 4000],
    ]);
  });

  it('leaves the refusal standing when no thinking budget of 1,024 or more fits below the limit', async () => {
    const key = await setup();
    claudeWithLimit(1024);
    const response = await chat(key, {
      model: 'haiku',
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      messages: hello,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as Json).error.message).toContain('4096 > 1024');
    expect(sentToClaude()).toHaveLength(1);
  });

  it('serves a /v1/messages request the same way', async () => {
    const key = await setup();
    claudeWithLimit(8192);
    const response = await messages(key, { model: 'haiku', max_tokens: 32000, messages: hello });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(sentToClaude().map((b) => b.max_tokens)).toEqual([32000, 8192]);
  });

  it('serves a /v1/messages request sent as written (server tools) the same way', async () => {
    const key = await setup();
    claudeWithLimit(8192);
    const search = { type: 'web_search_20250305', name: 'web_search', max_uses: 2 };
    const response = await messages(key, {
      model: 'haiku',
      max_tokens: 32000,
      messages: hello,
      tools: [search],
    });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(sentToClaude().map((b) => [b.max_tokens, b.tools[0].type])).toEqual([
      [32000, 'web_search_20250305'],
      [8192, 'web_search_20250305'],
    ]);
  });

  it('passes any other refusal through after one call', async () => {
    const key = await setup();
    onUpstream(MESSAGES, () =>
      json(
        refusal(
          '`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation',
        ),
        400,
      ),
    );
    const response = await chat(key, {
      model: 'haiku',
      max_tokens: 32000,
      thinking: { type: 'enabled', budget_tokens: 40000 },
      messages: hello,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as Json).error.message).toContain('thinking.budget_tokens');
    expect(sentToClaude()).toHaveLength(1);
  });
});
