// Claude refuses a prompt that fits its window beside a max_tokens that does not ("input length and
// `max_tokens` exceed context limit: 188240 + 21333 > 200000, …"), at Anthropic and on Bedrock: the
// call goes again capped at what the window leaves, its thinking budget kept below that, once.
import { describe, expect, it } from 'vitest';
import textMessage from '../fixtures/anthropic/message-text.json';
import converseText from '../fixtures/bedrock/converse-text.json';
import { chat, createKey, type Json, messages, putConfig } from '../helpers/gateway';
import { json, onUpstream, recorded } from '../helpers/upstream';

const ANTHROPIC_URL = 'https://anthropic.test';
const MESSAGES = `${ANTHROPIC_URL}/v1/messages`;
const BEDROCK_URL = 'https://bedrock.upstream.test';
const SONNET = 'claude-sonnet-4-5-20250929';

const overflow = (prompt: number, asked: number) =>
  `input length and \`max_tokens\` exceed context limit: ${prompt} + ${asked} > 200000, decrease input length or \`max_tokens\` and try again`;

async function setup() {
  const response = await putConfig({
    providers: {
      anthropic: { type: 'anthropic', baseUrl: ANTHROPIC_URL, apiKey: 'sk-ant' },
      aws: {
        type: 'bedrock',
        region: 'eu-west-3',
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
        baseUrl: BEDROCK_URL,
      },
    },
    models: {
      sonnet: { targets: [{ provider: 'anthropic', model: SONNET }] },
      bedrock: { targets: [{ provider: 'aws', model: `us.anthropic.${SONNET}-v1:0` }] },
    },
    retry: { attempts: 0 },
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await createKey()).key;
}

/** Anthropic counting the prompt as `prompt` tokens, in a 200,000-token window. */
function claudeWithPrompt(prompt: number) {
  onUpstream(MESSAGES, (_request, sent) => {
    const asked = (sent.body as Json).max_tokens as number;
    return prompt + asked > 200_000
      ? json(
          { type: 'error', error: { type: 'invalid_request_error', message: overflow(prompt, asked) } },
          400,
        )
      : json(textMessage);
  });
}

const sentCaps = () =>
  recorded.map((r) => {
    const body = r.body as Json;
    return [body.max_tokens, body.thinking?.budget_tokens];
  });
const hello = [{ role: 'user', content: 'Hello' }];

describe('a prompt that fits Claude’s window only without the max_tokens asked', () => {
  it('is asked again capped at what the window leaves', async () => {
    const key = await setup();
    claudeWithPrompt(188_240);
    const response = await chat(key, { model: 'sonnet', max_tokens: 21_333, messages: hello });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(sentCaps()).toEqual([
      [21_333, undefined],
      [11_760, undefined],
    ]);
  });

  it('lowers a thinking budget with it, on /v1/messages too', async () => {
    const key = await setup();
    claudeWithPrompt(180_000);
    const response = await messages(key, {
      model: 'sonnet',
      max_tokens: 32_000,
      thinking: { type: 'enabled', budget_tokens: 24_000 },
      messages: hello,
    });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(sentCaps()).toEqual([
      [32_000, 24_000],
      [20_000, 19_999],
    ]);
  });

  it('leaves the refusal standing as context_length_exceeded when no budget of 1,024 fits', async () => {
    const key = await setup();
    claudeWithPrompt(198_976);
    const response = await chat(key, {
      model: 'sonnet',
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      messages: hello,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as Json).error.code).toBe('context_length_exceeded');
    expect(recorded).toHaveLength(1);
  });

  it("reads Bedrock's ValidationException in the same words", async () => {
    const key = await setup();
    onUpstream(`${BEDROCK_URL}/model/`, (_request, sent) => {
      const asked = (sent.body as Json).inferenceConfig.maxTokens as number;
      return asked > 3_605
        ? Response.json(
            { message: `The model returned the following errors: ${overflow(196_395, asked)}` },
            { status: 400, headers: { 'x-amzn-errortype': 'ValidationException' } },
          )
        : Response.json(converseText);
    });
    const response = await chat(key, { model: 'bedrock', max_tokens: 64_000, messages: hello });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(recorded.map((r) => (r.body as Json).inferenceConfig.maxTokens)).toEqual([64_000, 3_605]);
  });
});
