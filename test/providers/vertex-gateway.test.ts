// Vertex AI through the whole Worker: a Claude answer, failover when Vertex or its token endpoint
// refuses, the service account redacted on read, and a config needing two Authorization headers refused.
import { describe, expect, it } from 'vitest';
import anthropicMessage from '../fixtures/anthropic/message-text.json';
import { admin, call, chat, createKey, type Json, putConfig } from '../helpers/gateway';
import { serviceAccount, TOKEN_URI } from '../helpers/service-account';
import { json, onUpstream, recorded } from '../helpers/upstream';

const VERTEX =
  'https://us-east5-aiplatform.googleapis.com/v1/projects/acme-prod/locations/us-east5/publishers';
const CLAUDE = 'claude-sonnet-4-5@20250929';

async function setup(provider: Record<string, unknown> = {}) {
  const account = await serviceAccount();
  const response = await putConfig({
    providers: {
      vertex: {
        type: 'vertex',
        project: 'acme-prod',
        location: 'us-east5',
        serviceAccount: account.json,
        ...provider,
      },
      mock: { type: 'mock' },
    },
    models: {
      claude: {
        targets: [
          { provider: 'vertex', model: CLAUDE },
          { provider: 'mock', model: 'mock-1' },
        ],
      },
    },
    retry: { attempts: 0 },
  });
  expect(response.status, await response.clone().text()).toBe(200);
  const { key } = await createKey();
  return { key, account };
}

const hello = [{ role: 'user', content: 'Hello' }];

describe('vertex through the gateway', () => {
  it('serves Claude from Vertex with a token exchanged for the service account', async () => {
    const { key } = await setup();
    onUpstream(TOKEN_URI, () => json({ access_token: 'ya29.gw', expires_in: 3599 }));
    onUpstream(`${VERTEX}/anthropic/models/${CLAUDE}:rawPredict`, () => json(anthropicMessage));
    const response = await chat(key, { model: 'claude', messages: hello });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('vertex');
    expect(response.headers.get('x-tollgate-model')).toBe(CLAUDE);
    const body: Json = await response.json();
    expect(body.choices[0].message.content).toBe('Bonjour ! Comment ça va ?');
    const call = recorded.find((r) => r.url.includes(':rawPredict'))!;
    expect(call.headers.get('authorization')).toBe('Bearer ya29.gw');
    expect(call.body).toMatchObject({ anthropic_version: 'vertex-2023-10-16' });
  });

  it('fails over to the next target when the token endpoint refuses the key', async () => {
    const { key } = await setup();
    onUpstream(TOKEN_URI, () =>
      json({ error: 'invalid_grant', error_description: 'Invalid JWT Signature.' }, 400),
    );
    const response = await chat(key, { model: 'claude', messages: hello });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('mock');
    expect(recorded.some((r) => r.url.startsWith(VERTEX))).toBe(false);
  });

  it('fails over when Vertex answers 401, and says so without the token when nothing is left', async () => {
    const { key } = await setup();
    onUpstream(TOKEN_URI, () => json({ access_token: 'ya29.secret-token', expires_in: 3599 }));
    const unauthenticated = {
      error: { code: 401, message: 'invalid credentials', status: 'UNAUTHENTICATED' },
    };
    onUpstream(VERTEX, () => json(unauthenticated, 401));
    const served = await chat(key, { model: 'claude', messages: hello });
    expect(served.status).toBe(200);
    expect(served.headers.get('x-tollgate-provider')).toBe('mock');

    const alone = await chat(key, { model: `vertex/${CLAUDE}`, messages: hello });
    expect(alone.status).toBeGreaterThanOrEqual(500);
    const text = await alone.text();
    expect(text).not.toContain('ya29.secret-token');
    expect(text).not.toContain('PRIVATE KEY');
  });

  it('redacts a literal service account key and access token on read, and keeps them when written back', async () => {
    await setup();
    const read: Json = await (await admin('/admin/config')).json();
    expect(read.providers.vertex.serviceAccount).toBe('[redacted]');
    const back = await putConfig(read);
    expect(back.status, await back.clone().text()).toBe(200);

    const token = await putConfig({
      providers: {
        vertex: { type: 'vertex', project: 'acme-prod', location: 'global', accessToken: 'ya29.literal' },
      },
    });
    expect(token.status, await token.clone().text()).toBe(200);
    const again: Json = await (await admin('/admin/config')).json();
    expect(again.providers.vertex.accessToken).toBe('[redacted]');
  });

  it("refuses a baseUrl user:password, which would need the token's Authorization header", async () => {
    const response = await putConfig({
      providers: {
        vertex: {
          type: 'vertex',
          project: 'acme-prod',
          location: 'us-east5',
          accessToken: 'env:VERTEX_TOKEN',
          baseUrl: 'https://user:pass@proxy.test',
        },
      },
    });
    expect(response.status).toBe(400);
    const body: Json = await response.json();
    expect(body.error.param).toBe('providers.vertex.baseUrl');
    expect(body.error.message).toContain('Google access token');
  });

  it('serves POST /v1/embeddings from a Google embedding model, with its token counts as usage', async () => {
    const { key } = await setup();
    onUpstream(TOKEN_URI, () => json({ access_token: 'ya29.gw', expires_in: 3599 }));
    onUpstream(`${VERTEX}/google/models/text-embedding-005:predict`, () =>
      json({
        predictions: [
          { embeddings: { values: [0.6, 0.8], statistics: { truncated: false, token_count: 3 } } },
          { embeddings: { values: [1, 0], statistics: { truncated: false, token_count: 4 } } },
        ],
      }),
    );
    const response = await call('/v1/embeddings', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'vertex/text-embedding-005', input: ['one', 'two'] }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
    const body: Json = await response.json();
    expect(body.data.map((d: Json) => d.embedding)).toEqual([
      [0.6, 0.8],
      [1, 0],
    ]);
    expect(body.usage).toEqual({ prompt_tokens: 7, total_tokens: 7 });
    const predict = recorded.find((r) => r.url.endsWith(':predict'))!;
    expect(predict.headers.get('authorization')).toBe('Bearer ya29.gw');
    expect(predict.body).toEqual({ instances: [{ content: 'one' }, { content: 'two' }] });
  });

  it("fails over to the route's next target when embeddings name a Claude model on Vertex", async () => {
    const account = await serviceAccount();
    const response = await putConfig({
      providers: {
        vertex: { type: 'vertex', project: 'acme-prod', location: 'us-east5', serviceAccount: account.json },
        mock: { type: 'mock' },
      },
      models: {
        embed: {
          targets: [
            { provider: 'vertex', model: CLAUDE },
            { provider: 'mock', model: 'mock-embed' },
          ],
        },
      },
      retry: { attempts: 0 },
    });
    expect(response.status, await response.clone().text()).toBe(200);
    const { key } = await createKey();
    const served = await call('/v1/embeddings', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'embed', input: 'hello' }),
    });
    expect(served.status, await served.clone().text()).toBe(200);
    expect(served.headers.get('x-tollgate-provider')).toBe('mock');
    expect(recorded.some((r) => r.url.startsWith(VERTEX))).toBe(false);
  });

  it("embeds the semantic cache's questions with a Vertex embedding model", async () => {
    const account = await serviceAccount();
    const response = await putConfig({
      providers: {
        vertex: { type: 'vertex', project: 'acme-prod', location: 'us-east5', serviceAccount: account.json },
        mock: { type: 'mock' },
      },
      models: { fast: { targets: [{ provider: 'mock', model: 'mock-1' }] } },
      cache: {
        exact: { enabled: true },
        semantic: { enabled: true, embedding: { provider: 'vertex', model: 'gemini-embedding-001' } },
      },
    });
    expect(response.status, await response.clone().text()).toBe(200);
    const { key } = await createKey();
    onUpstream(TOKEN_URI, () => json({ access_token: 'ya29.gw', expires_in: 3599 }));
    onUpstream(`${VERTEX}/google/models/gemini-embedding-001:predict`, () =>
      json({ predictions: [{ embeddings: { values: [0.6, 0.8] } }] }),
    );
    const answer = await chat(key, {
      model: 'fast',
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-tollgate-cache')).toBe('miss');
    await answer.text();
    const predict = recorded.find((r) => r.url.endsWith(':predict'));
    expect(predict).toBeDefined();
    expect((predict!.body as Json).instances[0].content).toContain('What is the capital of France?');
  });
});
