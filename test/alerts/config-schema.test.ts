// The config's `alerts` section through GET / PUT /admin/config: checked on write, its secret
// redacted on read and kept when written back redacted to the same webhook.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { currentConfig } from '../../src/config/store';
import { admin, type Json, openaiConfig, putConfig } from '../helpers/gateway';
import { expectOpenAIShape } from '../helpers/openapi';

const HOOK = 'https://hooks.test/tollgate';

async function refused(response: Response, param: string): Promise<string> {
  expect(response.status).toBe(400);
  const body = await response.json<Json>();
  expectOpenAIShape('ErrorResponse', body);
  expect(body.error).toMatchObject({ type: 'invalid_request_error', param });
  return body.error.message;
}

const withAlerts = (alerts: unknown) => putConfig(openaiConfig({ alerts }));
const storedAlerts = async () => (await currentConfig(env)).config.alerts;

describe('the alerts config section', () => {
  it('shows a literal secret redacted on GET, and keeps it when written back to the same webhook', async () => {
    expect((await withAlerts({ webhookUrl: HOOK, secret: 'whsec-literal' })).status).toBe(200);
    const text = await (await admin('/admin/config')).text();
    expect(text).not.toContain('whsec-literal');
    const config = JSON.parse(text);
    expect(config.alerts).toEqual({ webhookUrl: HOOK, secret: '[redacted]' });
    // GET → PUT as read: the stored secret stays.
    expect((await putConfig(config)).status).toBe(200);
    expect(await storedAlerts()).toEqual({ webhookUrl: HOOK, secret: 'whsec-literal' });
    // A redacted secret cannot follow the events to another webhook.
    const moved = { ...config, alerts: { webhookUrl: 'https://elsewhere.test/hook', secret: '[redacted]' } };
    expect(await refused(await putConfig(moved), 'alerts.secret')).toContain('alerts webhookUrl');
    expect(await storedAlerts()).toEqual({ webhookUrl: HOOK, secret: 'whsec-literal' });
  });

  it('shows a credential in the webhook URL redacted, and keeps it when written back', async () => {
    const webhookUrl = 'https://hooks.test/in?token=tok-123';
    expect((await withAlerts({ webhookUrl, secret: 'whsec' })).status).toBe(200);
    const config = await (await admin('/admin/config')).json<Json>();
    expect(config.alerts.webhookUrl).toBe('https://hooks.test/in?token=%5Bredacted%5D');
    expect((await putConfig(config)).status).toBe(200);
    expect(await storedAlerts()).toEqual({ webhookUrl, secret: 'whsec' });
    config.alerts.webhookUrl = 'https://elsewhere.test/in?token=%5Bredacted%5D';
    await refused(await putConfig(config), 'alerts.webhookUrl');
  });

  it('shows an env: reference as written', async () => {
    expect((await withAlerts({ webhookUrl: HOOK, secret: 'env:ALERT_WEBHOOK_SECRET' })).status).toBe(200);
    expect((await (await admin('/admin/config')).json<Json>()).alerts).toEqual({
      webhookUrl: HOOK,
      secret: 'env:ALERT_WEBHOOK_SECRET',
    });
  });

  it('refuses a webhook that is not https, but for http to this machine', async () => {
    for (const webhookUrl of [
      'http://hooks.test/x',
      'ftp://hooks.test/x',
      'hooks.test/x',
      'http://10.0.0.1/x',
    ]) {
      const message = await refused(await withAlerts({ webhookUrl, secret: 's' }), 'alerts.webhookUrl');
      expect(message).toMatch(/must be https:\/\/|must be an absolute URL/);
    }
    for (const webhookUrl of ['http://127.0.0.1:9000/hook', 'http://localhost:9000/hook'])
      expect((await withAlerts({ webhookUrl, secret: 's' })).status).toBe(200);
  });

  it('refuses alerts without a secret, or signed with the gateway’s own', async () => {
    await refused(await withAlerts({ webhookUrl: HOOK }), 'alerts.secret');
    await refused(await withAlerts({ webhookUrl: HOOK, secret: '' }), 'alerts.secret');
    const message = await refused(
      await withAlerts({ webhookUrl: HOOK, secret: 'env:ADMIN_TOKEN' }),
      'alerts.secret',
    );
    expect(message).toContain("gateway's own secret");
  });
});
