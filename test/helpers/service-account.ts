// A throwaway service-account key (a fresh RSA pair per call) and a check of the JWTs signed with it.
import { expect } from 'vitest';

export const TOKEN_URI = 'https://oauth2.googleapis.com/token';

export interface ServiceAccount {
  /** The key file's JSON, as a secret holds it. */
  json: string;
  publicKey: CryptoKey;
}

export async function serviceAccount(fields: Record<string, unknown> = {}): Promise<ServiceAccount> {
  const pair = (await crypto.subtle.generateKey(
    {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair;
  const der = new Uint8Array((await crypto.subtle.exportKey('pkcs8', pair.privateKey)) as ArrayBuffer);
  const base64 = btoa(String.fromCharCode(...der));
  const pem = `-----BEGIN PRIVATE KEY-----\n${base64.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
  const json = JSON.stringify({
    type: 'service_account',
    project_id: 'acme-prod',
    private_key_id: 'kid-123',
    private_key: pem,
    client_email: 'gateway@acme-prod.iam.gserviceaccount.com',
    token_uri: TOKEN_URI,
    ...fields,
  });
  return { json, publicKey: pair.publicKey };
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  return Uint8Array.from(atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4)), (c) => c.charCodeAt(0));
}

/** The form a token request posted, its JWT checked against `publicKey`: header and claims. */
export async function verifiedAssertion(
  form: string,
  publicKey: CryptoKey,
): Promise<{ header: Record<string, unknown>; claims: Record<string, unknown> }> {
  const params = new URLSearchParams(form);
  expect(params.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
  const parts = (params.get('assertion') ?? '').split('.');
  expect(parts).toHaveLength(3);
  const [header = '', claims = '', signature = ''] = parts;
  const valid = await crypto.subtle.verify(
    'RSASSA-PKCS1-v1_5',
    publicKey,
    fromBase64url(signature),
    new TextEncoder().encode(`${header}.${claims}`),
  );
  expect(valid, 'the JWT signature verifies with the public key').toBe(true);
  const decode = (part: string) => JSON.parse(new TextDecoder().decode(fromBase64url(part)));
  return { header: decode(header), claims: decode(claims) };
}
