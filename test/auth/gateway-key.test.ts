import { describe, expect, it } from 'vitest';
import { generateGatewayKey, looksLikeGatewayKey, randomId, sha256Hex } from '../../src/auth/gateway-key';

/** The bytes behind base64url text, decoded by the platform rather than by the code under test. */
const decode = (text: string) =>
  Uint8Array.from(atob(text.replaceAll('-', '+').replaceAll('_', '/')), (c) => c.charCodeAt(0));

describe('gateway key encoding', () => {
  it('hashes with SHA-256 in lowercase hex (FIPS 180-2 test vectors)', async () => {
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('makes keys of 192 random bits in base64url that decode back to 24 distinct bytes', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const key = generateGatewayKey();
      expect(looksLikeGatewayKey(key)).toBe(true);
      expect(decode(key.slice(3))).toHaveLength(24);
      keys.add(key);
    }
    expect(keys.size).toBe(500);
  });

  it('encodes every byte value and both URL-safe characters', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) for (const c of randomId('req').slice(4)) seen.add(c);
    expect(seen.size).toBe(64);
    const id = randomId('req');
    expect(id).toMatch(/^req_[A-Za-z0-9_-]{16}$/);
    expect(decode(id.slice(4))).toHaveLength(12);
  });

  it('never repeats an id, across the refills of its pool of random bytes', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => randomId('req')));
    expect(ids.size).toBe(1000);
  });
});
