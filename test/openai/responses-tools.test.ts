// A Responses function tool's `strict` as the chat tool sent upstream: unset, strict at OpenAI's own
// chat completions when the schema certainly fits (as OpenAI's Responses API does), else left out,
// and left out at every other service; a client's own value kept.
import { describe, expect, it } from 'vitest';
import { createKey, type Json, OPENAI_URL, putConfig, responses } from '../helpers/gateway';
import { chatCompletion, json, onUpstream, recorded } from '../helpers/upstream';

const answer = chatCompletion('ok', { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 });

const fits = {
  type: 'object',
  properties: { city: { type: 'string' }, unit: { type: ['string', 'null'], enum: ['C', 'F', null] } },
  required: ['city', 'unit'],
  additionalProperties: false,
};

const OPENAI_API = 'https://api.openai.com/v1';

/** The function of each chat tool the upstream of `model` got for `tools`: OpenAI's own (`gpt`), or another service's (`other`). */
async function sentFunctions(tools: Json[], model = 'gpt'): Promise<Json[]> {
  const configured = await putConfig({
    providers: {
      openai: { type: 'openai', baseUrl: OPENAI_API, apiKey: 'sk-test-secret' },
      other: { type: 'openai', baseUrl: OPENAI_URL, apiKey: 'sk-test-secret' },
    },
    models: {
      gpt: { targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] },
      other: { targets: [{ provider: 'other', model: 'llama' }] },
    },
  });
  expect(configured.status).toBe(200);
  const { key } = await createKey();
  onUpstream(`${OPENAI_API}/chat/completions`, () => json(answer));
  onUpstream(`${OPENAI_URL}/chat/completions`, () => json(answer));
  const response = await responses(key, { model, input: 'Weather?', tools });
  expect(response.status).toBe(200);
  return (recorded[0]!.body as Json).tools.map((tool: Json) => tool.function);
}

describe('Responses function tools upstream', () => {
  it('asks for strict mode when strict is unset and the schema fits it', async () => {
    const [absent, nulled] = await sentFunctions([
      { type: 'function', name: 'weather', parameters: fits },
      { type: 'function', name: 'forecast', parameters: fits, strict: null },
    ]);
    expect(absent).toEqual({ name: 'weather', parameters: fits, strict: true });
    expect(nulled).toEqual({ name: 'forecast', parameters: fits, strict: true });
  });

  it('leaves strict out when the schema may not fit, or there is none', async () => {
    const { additionalProperties: _, ...open } = fits;
    const tools = [
      { type: 'function', name: 'open', parameters: open },
      { type: 'function', name: 'optional', parameters: { ...fits, required: ['city'] } },
      {
        type: 'function',
        name: 'pattern',
        parameters: {
          ...fits,
          properties: { ...fits.properties, city: { type: 'string', pattern: '^[A-Z]' } },
        },
      },
      { type: 'function', name: 'bare' },
    ];
    for (const fn of await sentFunctions(tools)) expect(fn).not.toHaveProperty('strict');
  });

  it('leaves strict out at a service other than OpenAI, which may refuse it', async () => {
    const [fn] = await sentFunctions([{ type: 'function', name: 'weather', parameters: fits }], 'other');
    expect(fn).toEqual({ name: 'weather', parameters: fits });
  });

  it("keeps the client's own strict, false or true", async () => {
    const [off, on] = await sentFunctions([
      { type: 'function', name: 'off', parameters: fits, strict: false },
      { type: 'function', name: 'on', parameters: { type: 'object' }, strict: true },
    ]);
    expect(off).toMatchObject({ name: 'off', strict: false });
    expect(on).toMatchObject({ name: 'on', strict: true });
  });
});
