// Gemini on Vertex AI refuses a maxOutputTokens above the model's limit ("… has a maxOutputTokens value
// of 131072 but the supported range is from 1 (inclusive) to 65537 (exclusive) …"): the call goes again
// at the limit, for Google AI Studio's endpoint too, which answers through the same adapter.
import { describe, expect, it } from 'vitest';
import generateText from '../fixtures/gemini/generate-text.json';
import { chat, createKey, type Json, putConfig } from '../helpers/gateway';
import { serviceAccount, TOKEN_URI } from '../helpers/service-account';
import { json, onUpstream, recorded } from '../helpers/upstream';

const VERTEX =
  'https://us-east5-aiplatform.googleapis.com/v1/projects/acme-prod/locations/us-east5/publishers';
const STUDIO = 'https://gemini.test/v1beta';
const MODEL = 'gemini-2.5-pro';

async function setup() {
  const account = await serviceAccount();
  const response = await putConfig({
    providers: {
      vertex: { type: 'vertex', project: 'acme-prod', location: 'us-east5', serviceAccount: account.json },
      studio: { type: 'gemini', baseUrl: STUDIO, apiKey: 'AIza-test' },
    },
    models: {
      vertex: { targets: [{ provider: 'vertex', model: MODEL }] },
      studio: { targets: [{ provider: 'studio', model: MODEL }] },
    },
    retry: { attempts: 0 },
  });
  expect(response.status, await response.clone().text()).toBe(200);
  onUpstream(TOKEN_URI, () => json({ access_token: 'ya29.gw', expires_in: 3599 }));
  return (await createKey()).key;
}

const refusal = (message: string) => ({ error: { code: 400, message, status: 'INVALID_ARGUMENT' } });

/** Gemini as it answers a model whose output limit is 65,536 tokens. */
function geminiWithLimit(url: string) {
  onUpstream(url, (_request, sent) => {
    const asked = (sent.body as Json).generationConfig.maxOutputTokens as number;
    return asked > 65536
      ? json(
          refusal(
            `Unable to submit request because it has a maxOutputTokens value of ${asked} but the supported range is from 1 (inclusive) to 65537 (exclusive). Update the value and try again.`,
          ),
          400,
        )
      : json(generateText);
  });
}

const caps = (url: string) =>
  recorded.filter((r) => r.url.startsWith(url)).map((r) => (r.body as Json).generationConfig.maxOutputTokens);
const hello = [{ role: 'user', content: 'Salut' }];

describe('a cap above the limit of a Gemini model', () => {
  it('is lowered to the last value of the range the refusal names, on Vertex AI', async () => {
    const key = await setup();
    const url = `${VERTEX}/google/models/${MODEL}:generateContent`;
    geminiWithLimit(url);
    const response = await chat(key, {
      model: 'vertex',
      max_completion_tokens: 131072,
      reasoning_effort: 'high',
      messages: hello,
    });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(((await response.json()) as Json).choices[0].message.content).toBe('Bonjour ! Comment ça va ?');
    expect(caps(url)).toEqual([131072, 65536]);
    // Gemini counts its thinking within the cap: the budget stays as it was.
    const budgets = recorded
      .filter((r) => r.url.startsWith(url))
      .map((r) => (r.body as Json).generationConfig.thinkingConfig.thinkingBudget);
    expect(budgets).toEqual([24576, 24576]);
  });

  it('is lowered the same way at Google AI Studio', async () => {
    const key = await setup();
    const url = `${STUDIO}/models/${MODEL}:generateContent`;
    geminiWithLimit(url);
    const response = await chat(key, { model: 'studio', max_tokens: 100000, messages: hello });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(caps(url)).toEqual([100000, 65536]);
  });

  it('passes any other INVALID_ARGUMENT through after one call', async () => {
    const key = await setup();
    const url = `${STUDIO}/models/${MODEL}:generateContent`;
    onUpstream(url, () =>
      json(refusal('Invalid value at \'generation_config.temperature\' (TYPE_FLOAT), "hot"'), 400),
    );
    const response = await chat(key, { model: 'studio', max_tokens: 100000, messages: hello });
    expect(response.status).toBe(400);
    expect(caps(url)).toEqual([100000]);
  });
});
