// The floor: the least any Workers gateway can do — forward the body to the upstream with fetch.
// Under /kv/ it is the least a *caching* Workers gateway can do on a miss: one KV read of the
// request's key before the upstream call, and one KV write of the answer after the response (in
// waitUntil, the stream teed) — the storage work Tollgate's cache-miss row also pays, so the bench
// can tell the gateway's own overhead from Miniflare's simulated KV.
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const caching = url.pathname.startsWith('/kv/');
    const path = caching ? url.pathname.slice(3) : url.pathname;
    if (!caching) {
      return fetch(`${env.UPSTREAM}${path}`, {
        method: request.method,
        headers: { 'content-type': 'application/json' },
        body: request.body,
      });
    }
    const body = await request.text();
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body));
    const key = `floor:${btoa(String.fromCharCode(...new Uint8Array(digest)))}`;
    const stored = await env.CACHE.get(key);
    if (stored !== null) return new Response(stored, { headers: { 'content-type': 'application/json' } });
    const response = await fetch(`${env.UPSTREAM}${path}`, {
      method: request.method,
      headers: { 'content-type': 'application/json' },
      body,
    });
    const [client, copy] = response.body.tee();
    ctx.waitUntil(
      new Response(copy).text().then((text) => env.CACHE.put(key, text, { expirationTtl: 3600 })),
    );
    return new Response(client, response);
  },
};
