// Admin calls with a given credential, and admin tokens of each role for the governance tests.
import { expect } from 'vitest';
import { admin, call, type Json } from '../helpers/gateway';

export function adminAs(token: string, path: string, method = 'GET', body?: unknown): Promise<Response> {
  return call(path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export async function createTeam(name: string): Promise<string> {
  const response = await admin('/admin/teams', 'POST', { name });
  expect(response.status).toBe(201);
  return (await response.json<Json>()).id;
}

export async function createToken(role: string, team?: string): Promise<{ id: string; token: string }> {
  const response = await admin('/admin/tokens', 'POST', {
    name: `${role} token`,
    role,
    ...(team ? { team } : {}),
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return response.json();
}
