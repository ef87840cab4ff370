// Bedrock refuses a maxTokens above the model's limit with a ValidationException ("The maximum tokens
// you requested exceeds the model limit of 4096. …"): the Converse call goes again at the limit, a
// Claude thinking budget kept below it.
import { describe, expect, it } from 'vitest';
import converseText from '../fixtures/bedrock/converse-text.json';
import { chat, createKey, type Json, putConfig } from '../helpers/gateway';
import { onUpstream, recorded } from '../helpers/upstream';

const BASE = 'https://bedrock.upstream.test';
const MODEL = 'us.anthropic.claude-sonnet-4-20250514-v1:0';

async function setup() {
  const response = await putConfig({
    providers: {
      aws: {
        type: 'bedrock',
        region: 'eu-west-3',
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
        baseUrl: BASE,
      },
    },
    models: { claude: { targets: [{ provider: 'aws', model: MODEL }] } },
    retry: { attempts: 0 },
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await createKey()).key;
}

const refused = (message: string) =>
  Response.json({ message }, { status: 400, headers: { 'x-amzn-errortype': 'ValidationException' } });

/** Converse as it answers a model whose output limit is `limit`. */
function bedrockWithLimit(limit: number) {
  onUpstream(`${BASE}/model/`, (_request, sent) =>
    (sent.body as Json).inferenceConfig.maxTokens > limit
      ? refused(
          `The maximum tokens you requested exceeds the model limit of ${limit}. Try again with a maximum tokens value that is lower than ${limit}.`,
        )
      : Response.json(converseText),
  );
}

const sent = () => recorded.map((r) => r.body as Json);
const hello = [{ role: 'user', content: 'Salut' }];

describe('a cap above the limit of a Bedrock model', () => {
  it('is lowered to the limit the ValidationException names, and the call made again', async () => {
    const key = await setup();
    bedrockWithLimit(4096);
    const response = await chat(key, { model: 'claude', max_tokens: 32000, messages: hello });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(((await response.json()) as Json).choices[0].message.content).toBe('Bonjour ! Ça va ✓');
    expect(sent().map((b) => b.inferenceConfig.maxTokens)).toEqual([32000, 4096]);
  });

  it("lowers Claude's thinking budget below the lowered cap", async () => {
    const key = await setup();
    bedrockWithLimit(4096);
    const response = await chat(key, {
      model: 'claude',
      max_tokens: 32000,
      thinking: { type: 'enabled', budget_tokens: 8000 },
      messages: hello,
    });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(
      sent().map((b) => [b.inferenceConfig.maxTokens, b.additionalModelRequestFields.thinking.budget_tokens]),
    ).toEqual([
      [32000, 8000],
      [4096, 4095],
    ]);
  });

  it('passes any other ValidationException through after one call', async () => {
    const key = await setup();
    onUpstream(`${BASE}/model/`, () =>
      refused('The model returned the following errors: temperature: range: 0..1'),
    );
    const response = await chat(key, { model: 'claude', max_tokens: 32000, messages: hello });
    expect(response.status).toBe(400);
    expect(((await response.json()) as Json).error.message).toContain('temperature');
    expect(recorded).toHaveLength(1);
  });
});
