import { describe, expect, it } from 'vitest';
import { admin, call, createKey, type Json, OPENAI_URL, openaiConfig, putConfig } from '../helpers/gateway';
import { expectOpenAIShape } from '../helpers/openapi';
import { sdkClient } from '../helpers/responses-upstream';
import { settled } from '../helpers/settled';
import { json, onUpstream, recorded } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';

const IMAGES_URL = `${OPENAI_URL}/images/generations`;
/** A base64 image large enough to notice in a log row. */
const B64 = 'iVBORw0KGgo'.repeat(50);

const generate = (key: string, body: unknown, headers: Record<string, string> = {}) =>
  call('/v1/images/generations', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

const usageOf = async (id: string): Promise<Json> =>
  (await (await admin(`/admin/keys/${id}`)).json<Json>()).usage;

/** gpt-image-1's answer: 20 prompt tokens, 272 image tokens (a low-quality square). */
const gptImageAnswer = {
  created: 1_765_000_000,
  data: [{ b64_json: B64 }],
  background: 'opaque',
  output_format: 'png',
  size: '1024x1024',
  quality: 'low',
  usage: {
    input_tokens: 20,
    output_tokens: 272,
    total_tokens: 292,
    input_tokens_details: { text_tokens: 20, image_tokens: 0 },
  },
};
/** At gpt-image-1's list prices: $5 per million text tokens in, $40 per million image tokens out. */
const GPT_IMAGE_COST = (20 * 5 + 272 * 40) / 1_000_000;

const imageConfig = (targets: unknown[], extra: Record<string, unknown> = {}) =>
  openaiConfig({ models: { img: { targets } }, retry: { attempts: 0 }, ...extra });

describe('POST /v1/images/generations', () => {
  it('forwards to OpenAI with the target model and every field, and charges the usage at image rates', async () => {
    await putConfig(imageConfig([{ provider: 'openai', model: 'gpt-image-1' }]));
    const { key, id } = await createKey({ budget: { usd: 5, period: 'month' }, logBodies: true });
    onUpstream(IMAGES_URL, () => json(gptImageAnswer));
    const response = await generate(
      key,
      { model: 'img', prompt: 'a red fox', quality: 'low', size: '1024x1024', some_future_field: { a: 1 } },
      { 'x-request-id': 'img-openai-1' },
    );
    expect(response.status).toBe(200);
    const body = await response.json<Json>();
    expect(body).toEqual(gptImageAnswer);
    expectOpenAIShape('ImagesResponse', body);
    expect(recorded[0]?.body).toEqual({
      model: 'gpt-image-1',
      prompt: 'a red fox',
      quality: 'low',
      size: '1024x1024',
      some_future_field: { a: 1 },
    });
    expect(recorded[0]?.headers.get('authorization')).toBe('Bearer sk-test-secret');
    expect(response.headers.get('x-tollgate-provider')).toBe('openai');
    expect(response.headers.get('x-tollgate-model')).toBe('gpt-image-1');

    await settled();
    const usage = await usageOf(id);
    expect(usage.spendUsd).toBeCloseTo(GPT_IMAGE_COST, 10);
    expect(usage.reservedUsd).toBe(0);

    // The row: the usage and its cost, the bodies without the image's base64.
    const row = (await waitForRows(['img-openai-1'])).get('img-openai-1');
    expect(row).toMatchObject({ status: 200, model: 'img', inputTokens: 20, outputTokens: 272 });
    expect(row?.costUsd).toBeCloseTo(GPT_IMAGE_COST, 10);
    expect(row?.requestBody).toContain('a red fox');
    expect(row?.responseBody).not.toContain(B64.slice(0, 100));
    expect(JSON.parse(row?.responseBody ?? '{}')).toMatchObject({
      data: [{ b64_json: `[${B64.length} base64 characters]` }],
      usage: gptImageAnswer.usage,
    });
  });

  it("calls Azure OpenAI's images path for the deployment, with its api-version and key", async () => {
    await putConfig(
      imageConfig([{ provider: 'azure', model: 'image-deploy' }], {
        providers: {
          azure: {
            type: 'azure-openai',
            resourceName: 'contoso',
            apiKey: 'azure-key',
            apiVersion: '2025-04-01-preview',
          },
        },
      }),
    );
    const { key } = await createKey();
    onUpstream('https://contoso.openai.azure.com/', () => json(gptImageAnswer));
    const response = await generate(key, { model: 'img', prompt: 'a lighthouse', n: 1 });
    expect(response.status).toBe(200);
    expectOpenAIShape('ImagesResponse', await response.json());
    expect(recorded[0]?.url).toBe(
      'https://contoso.openai.azure.com/openai/deployments/image-deploy/images/generations?api-version=2025-04-01-preview',
    );
    expect(recorded[0]?.headers.get('api-key')).toBe('azure-key');
    expect(recorded[0]?.body).toEqual({ model: 'image-deploy', prompt: 'a lighthouse', n: 1 });
  });

  it('makes tiny PNGs with the mock provider, as base64 or as data URLs, without any fetch', async () => {
    const { key } = await createKey();
    const b64 = await generate(key, { model: 'mock/mock-image', prompt: 'a small cat', n: 2 });
    expect(b64.status).toBe(200);
    const made = await b64.json<Json>();
    expectOpenAIShape('ImagesResponse', made);
    expect(made.data).toHaveLength(2);
    const bytes = Uint8Array.from(atob(made.data[0].b64_json), (ch) => ch.charCodeAt(0));
    expect([...bytes.slice(1, 4)].map((b) => String.fromCharCode(b)).join('')).toBe('PNG');
    expect(made.usage).toMatchObject({ input_tokens: expect.any(Number), output_tokens: 32 });

    const url = await generate(key, {
      model: 'mock/mock-image',
      prompt: 'a small cat',
      response_format: 'url',
    });
    const linked = await url.json<Json>();
    expectOpenAIShape('ImagesResponse', linked);
    expect(linked.data[0].url).toMatch(/^data:image\/png;base64,iVBOR/);
    expect(recorded).toHaveLength(0);
  });

  it('fails over from a target answering 500 to the next', async () => {
    await putConfig(
      imageConfig([
        { provider: 'openai', model: 'gpt-image-1' },
        { provider: 'mock', model: 'mock-image' },
      ]),
    );
    const { key } = await createKey();
    onUpstream(IMAGES_URL, () => json({ error: { message: 'boom', type: 'server_error' } }, 500));
    const response = await generate(key, { model: 'img', prompt: 'a boat' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('mock');
    expect(response.headers.get('x-tollgate-attempts')).toBe('2');
    expectOpenAIShape('ImagesResponse', await response.json());
    expect(recorded).toHaveLength(1);
  });

  it("passes a provider's 400 through with its message", async () => {
    await putConfig(imageConfig([{ provider: 'openai', model: 'dall-e-3' }]));
    const { key } = await createKey();
    const refusal = {
      error: {
        message: 'Your request was rejected by the safety system.',
        type: 'invalid_request_error',
        param: null,
        code: 'content_policy_violation',
      },
    };
    onUpstream(IMAGES_URL, () => json(refusal, 400));
    const response = await generate(key, { model: 'img', prompt: 'something' });
    expect(response.status).toBe(400);
    const { error } = await response.json<Json>();
    expect(error).toMatchObject({ message: refusal.error.message, code: 'content_policy_violation' });
  });

  it('passes over a provider that makes no images, and refuses with a 400 when none can', async () => {
    const anthropic = { type: 'anthropic', baseUrl: 'https://anthropic.test', apiKey: 'sk-ant' };
    await putConfig(
      imageConfig(
        [
          { provider: 'anthropic', model: 'claude-sonnet-4-5' },
          { provider: 'mock', model: 'mock-image' },
        ],
        { providers: { anthropic, mock: { type: 'mock' } } },
      ),
    );
    const { key } = await createKey();
    const served = await generate(key, { model: 'img', prompt: 'a tree' });
    expect(served.status).toBe(200);
    expect(served.headers.get('x-tollgate-provider')).toBe('mock');
    await served.json();

    const refused = await generate(key, { model: 'anthropic/claude-sonnet-4-5', prompt: 'a tree' });
    expect(refused.status).toBe(400);
    const { error } = await refused.json<Json>();
    expectOpenAIShape('ErrorResponse', { error });
    expect(error).toMatchObject({ type: 'invalid_request_error', param: 'model' });
    expect(error.message).toContain('does not generate images');
    expect(recorded).toHaveLength(0);
  });

  it('refuses malformed bodies with a 400 naming the field', async () => {
    const { key } = await createKey();
    const cases: [unknown, string][] = [
      [{ model: 'mock/m' }, 'prompt'],
      [{ prompt: 'a cat' }, 'model'],
      [{ model: 'mock/m', prompt: 'a cat', n: 11 }, 'n'],
      [{ model: 'mock/m', prompt: 'a cat', size: 'huge' }, 'size'],
      [{ model: 'mock/m', prompt: 'a cat', quality: 'ultra' }, 'quality'],
      [{ model: 'mock/m', prompt: 'a cat', response_format: 'png' }, 'response_format'],
    ];
    for (const [body, param] of cases) {
      const response = await generate(key, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const { error } = await response.json<Json>();
      expect(error).toMatchObject({ type: 'invalid_request_error', param });
    }
  });

  it('refuses a streamed request as an unsupported parameter', async () => {
    const { key } = await createKey();
    const response = await generate(key, {
      model: 'mock/m',
      prompt: 'a cat',
      stream: true,
      partial_images: 2,
    });
    expect(response.status).toBe(400);
    const { error } = await response.json<Json>();
    expect(error).toMatchObject({ param: 'stream', code: 'unsupported_parameter' });
  });

  it('reserves a bound per image, refuses past the budget, and charges DALL·E per image', async () => {
    await putConfig(
      openaiConfig({
        models: {
          img: { targets: [{ provider: 'openai', model: 'gpt-image-1' }] },
          dalle: { targets: [{ provider: 'openai', model: 'dall-e-3' }] },
        },
      }),
    );
    // 25,000 image tokens at $40 per million: $1 an image, whatever the prompt.
    const { key, id } = await createKey({ budget: { usd: 1.5, period: 'month' } });
    const refused = await generate(key, { model: 'img', prompt: 'two foxes', n: 2 });
    expect(refused.status).toBe(402);
    const { error } = await refused.json<Json>();
    expect(error.code).toBe('budget_exceeded');
    expect(error.message).toContain('could cost up to $2');
    expect(error.message).toContain('Ask for fewer images (lower n) or raise the budget.');
    expect(recorded).toHaveLength(0);

    // DALL·E reports no usage: its price per image, the dearest it makes.
    onUpstream(IMAGES_URL, () =>
      json({
        created: 1_765_000_000,
        data: [{ url: 'https://images.example/1.png', revised_prompt: 'a fox' }],
      }),
    );
    const dalle = await generate(key, { model: 'dalle', prompt: 'a fox' });
    expect(dalle.status).toBe(200);
    expectOpenAIShape('ImagesResponse', await dalle.json());
    await settled();
    expect(await usageOf(id)).toMatchObject({ spendUsd: 0.12, reservedUsd: 0 });
  });

  it('charges a GPT image model that answers without usage at the bound, never nothing', async () => {
    await putConfig(imageConfig([{ provider: 'openai', model: 'gpt-image-1' }]));
    const { key, id } = await createKey({ budget: { usd: 5, period: 'month' } });
    const { usage: _, ...unreported } = gptImageAnswer;
    onUpstream(IMAGES_URL, () => json(unreported));
    const response = await generate(key, { model: 'img', prompt: 'a fox' });
    expect(response.status).toBe(200);
    await response.json();
    await settled();
    const usage = await usageOf(id);
    expect(usage.spendUsd).toBeGreaterThanOrEqual(1);
    expect(usage.spendUsd).toBeLessThan(1.001);
  });

  it('charges the images of an attempt it timed out, which the provider goes on to make', async () => {
    await putConfig(
      imageConfig(
        [
          { provider: 'openai', model: 'dall-e-3' },
          { provider: 'mock', model: 'mock-image' },
        ],
        { timeouts: { requestMs: 100 } },
      ),
    );
    const { key, id } = await createKey({ budget: { usd: 5, period: 'month' } });
    onUpstream(
      IMAGES_URL,
      () => new Promise<Response>((resolve) => setTimeout(() => resolve(json({})), 1_000)),
    );
    const response = await generate(key, { model: 'img', prompt: 'two foxes', n: 2 });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('mock');
    await response.json();
    await settled();
    // DALL·E 3's two images at $0.12; the mock's are free.
    expect(await usageOf(id)).toMatchObject({ spendUsd: 0.24, reservedUsd: 0 });
  });

  it("relays and charges an OpenAI-compatible service's answer without `created` (Together's)", async () => {
    await putConfig(
      imageConfig([{ provider: 'openai', model: 'flux' }], {
        pricing: { 'openai/flux': { inputPerMTok: 0, outputPerMTok: 0, perImageUsd: 0.05 } },
      }),
    );
    const { key, id } = await createKey({ budget: { usd: 5, period: 'month' } });
    const together = {
      id: 'img-1',
      model: 'flux',
      object: 'list',
      data: [
        { index: 0, b64_json: B64, type: 'b64_json' },
        { index: 1, b64_json: B64, type: 'b64_json' },
      ],
    };
    onUpstream(IMAGES_URL, () => json(together));
    const response = await generate(key, { model: 'img', prompt: 'two foxes', n: 2 });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(together);
    await settled();
    expect(await usageOf(id)).toMatchObject({ spendUsd: 0.1, reservedUsd: 0 });
  });

  it("counts the prompt against the key's TPM, naming the prompt when it alone is too large", async () => {
    const { key } = await createKey({ limits: { tpm: 1000 } });
    const response = await generate(key, { model: 'mock/m', prompt: 'word '.repeat(1_500) });
    expect(response.status).toBe(429);
    const { error } = await response.json<Json>();
    expect(error).toMatchObject({ code: 'rate_limit_exceeded', param: 'prompt' });
  });

  it("blocks a prompt the config's guardrails block", async () => {
    await putConfig(
      imageConfig([{ provider: 'mock', model: 'mock-image' }], {
        guardrails: [{ name: 'no-internal', pattern: 'project\\s+bluebird', action: 'block', flags: 'i' }],
      }),
    );
    const { key } = await createKey();
    const blocked = await generate(key, { model: 'img', prompt: 'Project Bluebird logo' });
    expect(blocked.status).toBe(403);
    expect((await blocked.json<Json>()).error.code).toBe('guardrail_blocked');
    const allowed = await generate(key, { model: 'img', prompt: 'a bluebird' });
    expect(allowed.status).toBe(200);
    await allowed.json();
  });

  it("serves the OpenAI SDK's images.generate", async () => {
    const { key } = await createKey();
    const made = await sdkClient(key).images.generate({ model: 'mock/mock-image', prompt: 'a teapot', n: 1 });
    expect(made.data?.[0]?.b64_json).toMatch(/^iVBOR/);
    expect(made.usage?.output_tokens).toBe(16);
  });
});
