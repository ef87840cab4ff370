// Who may use the admin API: the ADMIN_TOKEN secret, or a scoped admin token — and no one at all
// when the secret is unset (src/auth/admin-principal.ts).
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { createToken } from '../governance/helpers';

async function asWith(token: string, adminToken: string | undefined) {
  const request = new Request('https://gateway.test/admin/tokens', {
    headers: { authorization: `Bearer ${token}` },
  });
  return worker.fetch(request, { ...env, ADMIN_TOKEN: adminToken }, createExecutionContext());
}

describe('the admin API without the ADMIN_TOKEN secret', () => {
  it('refuses scoped admin tokens too (removing the secret shuts the API down)', async () => {
    const { token } = await createToken('admin');
    expect((await asWith(token, env.ADMIN_TOKEN)).status).toBe(200);
    const off = await asWith(token, undefined);
    expect(off.status).toBe(401);
    expect((await off.json<{ error: { code: string } }>()).error.code).toBe('admin_disabled');
  });
});
