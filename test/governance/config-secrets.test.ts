// Worker secrets referenced in the config (`env:NAME`) are shown in the clear, so only the root
// ADMIN_TOKEN may send one somewhere the config in force does not: an admin token could otherwise
// point a provider that uses one at a server of its own and read the secret there.
import { describe, expect, it } from 'vitest';
import { admin, type Json, putConfig } from '../helpers/gateway';
import { expectOpenAIShape } from '../helpers/openapi';
import { adminAs, createToken } from './helpers';

const base = {
  providers: {
    oai: { type: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: 'env:OPENAI_API_KEY' },
    claude: {
      type: 'anthropic',
      headers: { 'x-proxy-auth': 'env:PROXY_TOKEN' },
      apiKey: 'env:ANTHROPIC_API_KEY',
    },
  },
  models: { fast: { targets: [{ provider: 'oai', model: 'gpt-4o-mini' }] } },
};

async function asAdmin(change: (config: Json) => void): Promise<Response> {
  const { token } = await createToken('admin');
  const read = await (await adminAs(token, '/admin/config')).json<Json>();
  change(read);
  return adminAs(token, '/admin/config', 'PUT', read);
}

async function refused(response: Response, param: string): Promise<void> {
  expect(response.status).toBe(403);
  const body = await response.json<Json>();
  expectOpenAIShape('ErrorResponse', body);
  expect(body.error).toMatchObject({ type: 'permission_error', code: 'insufficient_role', param });
}

describe('Worker secrets in the config, written by an admin token', () => {
  it('may sign budget alerts only for the webhook the config in force signs for', async () => {
    const alerts = { webhookUrl: 'https://hooks.test/a', secret: 'env:ALERT_WEBHOOK_SECRET' };
    expect((await putConfig({ ...base, alerts })).status).toBe(200);
    expect((await asAdmin(() => {})).status).toBe(200);
    await refused(
      await asAdmin((config) => {
        config.alerts.webhookUrl = 'https://attacker.example/hook';
      }),
      'alerts.secret',
    );
    await refused(
      await asAdmin((config) => {
        config.alerts.secret = 'env:OPENAI_API_KEY';
      }),
      'alerts.secret',
    );
  });

  it('may sign budget alerts for a webhook whose URL credentials are read back redacted', async () => {
    const alerts = { webhookUrl: 'https://hooks.test/a?token=abc', secret: 'env:ALERT_WEBHOOK_SECRET' };
    expect((await putConfig({ ...base, alerts })).status).toBe(200);
    const response = await asAdmin(() => {});
    expect(response.status, await response.clone().text()).toBe(200);
    const stored = await (await admin('/admin/config')).json<Json>();
    expect(stored.alerts.webhookUrl).toBe('https://hooks.test/a?token=%5Bredacted%5D');
    await refused(
      await asAdmin((config) => {
        config.alerts.webhookUrl = 'https://attacker.example/a?token=%5Bredacted%5D';
      }),
      'alerts.secret',
    );
  });

  it("may stay with a provider whose baseUrl's credentials are read back redacted", async () => {
    const config = structuredClone(base) as Json;
    config.providers.oai.baseUrl = 'https://proxy.test/v1?key=abc';
    expect((await putConfig(config)).status).toBe(200);
    const response = await asAdmin((read) => {
      read.models.fast.targets[0].model = 'gpt-4o';
    });
    expect(response.status, await response.clone().text()).toBe(200);
    await refused(
      await asAdmin((read) => {
        read.providers.oai.baseUrl = 'https://attacker.example/v1?key=%5Bredacted%5D';
      }),
      'providers.oai.apiKey',
    );
  });

  it('may stay where they are sent: a config written back as read, or changed elsewhere, is stored', async () => {
    expect((await putConfig(base)).status).toBe(200);
    expect((await asAdmin(() => {})).status).toBe(200);
    const changed = await asAdmin((config) => {
      config.models.smart = { targets: [{ provider: 'claude', model: 'claude-x' }] };
      config.providers.oai.headers = { 'OpenAI-Organization': 'org-1' };
    });
    expect(changed.status).toBe(200);
  });

  it('may not follow a provider to a new baseUrl or type, nor go to a new provider or field', async () => {
    expect((await putConfig(base)).status).toBe(200);
    await refused(
      await asAdmin((config) => {
        config.providers.oai.baseUrl = 'https://attacker.example/v1';
      }),
      'providers.oai.apiKey',
    );
    await refused(
      await asAdmin((config) => {
        config.providers.claude.baseUrl = 'https://attacker.example';
      }),
      'providers.claude.apiKey',
    );
    await refused(
      await asAdmin((config) => {
        config.providers.mine = {
          type: 'openai',
          baseUrl: 'https://attacker.example/v1',
          apiKey: 'env:OPENAI_API_KEY',
        };
      }),
      'providers.mine.apiKey',
    );
    await refused(
      await asAdmin((config) => {
        config.providers.oai.headers = { 'x-leak': 'env:ANTHROPIC_API_KEY' };
      }),
      'providers.oai.headers.x-leak',
    );
    // Nothing was stored: the provider still goes where it went.
    const stored = await (await admin('/admin/config')).json<Json>();
    expect(stored.providers.oai.baseUrl).toBe('https://api.openai.com/v1');
    expect(stored.providers.mine).toBeUndefined();
  });

  it('may be sent anywhere by the root token', async () => {
    expect((await putConfig(base)).status).toBe(200);
    const moved = structuredClone(base) as Json;
    moved.providers.oai.baseUrl = 'https://proxy.example/v1';
    expect((await putConfig(moved)).status).toBe(200);
  });
});
