// A client-named model in a provider's URL path (Azure deployments, Bedrock model ids) stays in its
// segment: `.` and `..`, which URL parsing resolves, never reach another path of the provider's host.
import { describe, expect, it } from 'vitest';
import { chat, createKey, type Json, putConfig } from '../helpers/gateway';
import { json, onUpstream, recorded } from '../helpers/upstream';

const ANSWER = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'm',
  choices: [
    { index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop', logprobs: null },
  ],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
};

async function gateway() {
  const put = await putConfig({
    providers: {
      azure: { type: 'azure-openai', resourceName: 'contoso', apiKey: 'azure-key-1' },
      bedrock: {
        type: 'bedrock',
        region: 'eu-west-3',
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'secret',
      },
    },
    models: {},
  });
  expect(put.status).toBe(200);
  onUpstream('https://', () => json(ANSWER));
  return (await createKey()).key;
}

describe('model names in provider URLs', () => {
  it("refuses '.' and '..' as a deployment or model id (404) without calling the provider", async () => {
    const key = await gateway();
    for (const model of ['azure/..', 'azure/.', 'bedrock/..', 'bedrock/.']) {
      const response = await chat(key, { model, messages: [{ role: 'user', content: 'hi' }] });
      const body = (await response.json()) as Json;
      expect({ model, status: response.status, code: body.error.code, param: body.error.param }).toEqual({
        model,
        status: 404,
        code: 'model_not_found',
        param: 'model',
      });
    }
    expect(recorded.map((request) => request.url)).toEqual([]);
  });

  it('keeps slashes, query and fragment characters inside the one segment', async () => {
    const key = await gateway();
    const response = await chat(key, {
      model: 'azure/../x?y#z',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(response.status).toBe(200);
    expect(new URL(recorded[0]?.url ?? '').pathname).toBe(
      '/openai/deployments/..%2Fx%3Fy%23z/chat/completions',
    );
  });
});
