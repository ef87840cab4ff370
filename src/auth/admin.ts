// The root ADMIN_TOKEN comparison, in constant time. The admin middleware is ./admin-principal.ts.
const encoder = new TextEncoder();

/** Hashing both sides first makes the comparison constant-time regardless of the lengths. */
export async function tokensMatch(presented: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest('SHA-256', encoder.encode(presented)),
    crypto.subtle.digest('SHA-256', encoder.encode(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}
