// Config writes against the config as it is: a guardrails edit never writes back a config another
// write replaced meanwhile, If-Match guards a read-modify-write, and a location whose KV copy has
// not caught up is read from the admin copy in D1.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEY, forgetConfig, getRuntime } from '../../../src/config/store';
import { ADMIN_TOKEN, admin, call, type Json, openaiConfig, putConfig } from '../../helpers/gateway';

const rule = (name: string) => ({ name, detect: ['email'], action: 'redact' });

const put = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  call(path, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('config writes', () => {
  it('keeps a PUT /admin/config that lands while a PUT /admin/guardrails runs', async () => {
    expect((await putConfig(openaiConfig({ guardrails: [rule('a'), rule('b')] }))).status).toBe(200);
    // Hold the guardrails PUT at its rules-in-use query (after it read the config, before it
    // stores), and land a PUT /admin/config of another field meanwhile.
    const proto = Object.getPrototypeOf(env.DB);
    const prepare = proto.prepare;
    let hooked = false;
    let configAnswer: Response | undefined;
    proto.prepare = function (this: D1Database, sql: string) {
      const statement = prepare.call(this, sql);
      if (hooked || !sql.includes('json_each(k.policy')) return statement;
      hooked = true;
      const bind = statement.bind.bind(statement);
      return {
        bind: (...args: unknown[]) => {
          const bound = bind(...args);
          return {
            all: async () => {
              configAnswer = await putConfig(
                openaiConfig({ limits: { rpm: 5 }, guardrails: [rule('a'), rule('b')] }),
              );
              return bound.all();
            },
          };
        },
      };
    };
    let rules: Response;
    try {
      rules = await admin('/admin/guardrails', 'PUT', [rule('a')]); // drops rule b
    } finally {
      proto.prepare = prepare;
    }
    expect(hooked).toBe(true);
    expect(configAnswer?.status).toBe(200);
    expect(rules.status).toBe(200);
    const final = await (await admin('/admin/config')).json<Json>();
    expect(final.limits.rpm).toBe(5); // the config change stays
    expect(final.guardrails.map((r: Json) => r.name)).toEqual(['a']); // and so does the rules edit
  });

  it('gives the config and its guardrails an ETag, and refuses a write against an old one (412)', async () => {
    expect((await putConfig(openaiConfig())).status).toBe(200);
    const read = await admin('/admin/config');
    const etag = read.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"config-\d+"$/);
    expect((await admin('/admin/guardrails')).headers.get('etag')).toBe(etag);
    const body = await read.json<Json>();
    const first = await put('/admin/config', { ...body, limits: { rpm: 7 } }, { 'if-match': etag });
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).not.toBe(etag);
    const stale = await put('/admin/guardrails', [rule('x')], { 'if-match': etag });
    expect(stale.status).toBe(412);
    expect((await stale.json<Json>()).error.code).toBe('precondition_failed');
    expect((await (await admin('/admin/config')).json<Json>()).guardrails).toEqual([]);
  });

  it("reads the admin copy where this location's KV copy has not caught up, and a hand edit where it was made", async () => {
    expect((await putConfig(openaiConfig({ limits: { rpm: 9 } }))).status).toBe(200);
    // This location's KV still has an earlier admin write (revision 0: before it).
    await env.CACHE.put(CONFIG_KEY, JSON.stringify(openaiConfig()), { metadata: { revision: 0 } });
    forgetConfig();
    expect((await (await admin('/admin/config')).json<Json>()).limits.rpm).toBe(9);
    // Written in KV by hand (no revision beside it): that is the config, and what is served.
    await env.CACHE.put(CONFIG_KEY, JSON.stringify(openaiConfig({ limits: { rpm: 3 } })));
    forgetConfig();
    expect((await (await admin('/admin/config')).json<Json>()).limits.rpm).toBe(3);
  });
});

describe('a location whose KV copy has not caught up, and carries no revision', () => {
  it('reads the admin copy, not the pre-upgrade value the first admin write replaced', async () => {
    // Before the upgrade: the config lives in KV only, with no revision beside it.
    const before = JSON.stringify(openaiConfig({ limits: { rpm: 1 } }));
    await env.CACHE.put(CONFIG_KEY, before);
    forgetConfig();
    // Location X: the first admin write (D1 revision 1, KV with revision 1).
    expect((await putConfig(openaiConfig({ limits: { rpm: 50 } }))).status).toBe(200);
    // Location Y, seconds later: its KV copy has not caught up yet (KV reaches other locations
    // within ~60 s) — it still reads the pre-upgrade value, which has no revision.
    await env.CACHE.put(CONFIG_KEY, before);
    forgetConfig();
    const read = await admin('/admin/config');
    expect(read.headers.get('etag')).toBe('"config-1"');
    expect((await read.json<Json>()).limits.rpm).toBe(50);
  });

  it('…so a guardrails edit made there keeps the newer config', async () => {
    const before = JSON.stringify(openaiConfig({ limits: { rpm: 1 } }));
    await env.CACHE.put(CONFIG_KEY, before);
    forgetConfig();
    expect((await putConfig(openaiConfig({ limits: { rpm: 50 } }))).status).toBe(200);
    await env.CACHE.put(CONFIG_KEY, before); // location Y's stale copy
    forgetConfig();
    expect((await admin('/admin/guardrails', 'PUT', [rule('a')])).status).toBe(200);
    const final = await (await admin('/admin/config')).json<Json>();
    expect(final.guardrails.map((r: Json) => r.name)).toEqual(['a']);
    expect(final.limits.rpm).toBe(50);
  });

  it('reads the admin copy where KV has not seen the first write yet (no value at all)', async () => {
    expect((await putConfig(openaiConfig({ limits: { rpm: 50 } }))).status).toBe(200);
    await env.CACHE.delete(CONFIG_KEY); // location Y: negative lookup still cached
    forgetConfig();
    expect((await admin('/admin/guardrails', 'PUT', [rule('a')])).status).toBe(200);
    const final = await (await admin('/admin/config')).json<Json>();
    expect(final.limits.rpm).toBe(50);
  });
});

describe('a location still holding the pre-upgrade text two writes later', () => {
  it('a guardrails edit at a location still holding the pre-upgrade text keeps the newest config', async () => {
    const before = JSON.stringify(openaiConfig({ limits: { rpm: 1 } }));
    await env.CACHE.put(CONFIG_KEY, before);
    forgetConfig();
    // Location X: two admin writes within KV's ~60 s propagation window.
    expect((await putConfig(openaiConfig({ limits: { rpm: 50 } }))).status).toBe(200);
    expect((await putConfig(openaiConfig({ limits: { rpm: 60 } }))).status).toBe(200);
    // Location Y still reads the pre-upgrade text (no revision).
    await env.CACHE.put(CONFIG_KEY, before);
    forgetConfig();
    expect((await admin('/admin/guardrails', 'PUT', [rule('a')])).status).toBe(200);
    const final = await (await admin('/admin/config')).json<Json>();
    expect(final.limits.rpm).toBe(60);
  });
});

describe('two config writers whose KV puts land out of order', () => {
  it('serves the newest admin write once both PUTs have answered 200', async () => {
    expect((await putConfig(openaiConfig({ limits: { rpm: 10 } }))).status).toBe(200);
    const proto = Object.getPrototypeOf(env.CACHE);
    const realPut = proto.put;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let held = false;
    proto.put = async function (this: KVNamespace, ...args: unknown[]) {
      // Writer A's KV put is slow (tail latency, or its first try failed and it retries).
      if (!held && typeof args[1] === 'string' && (args[1] as string).includes('"rpm":20')) {
        held = true;
        await gate;
      }
      return realPut.apply(this, args);
    };
    let a: Promise<Response>;
    try {
      a = putConfig(openaiConfig({ limits: { rpm: 20 } })); // writer A: D1 revision n+1, then KV (held)
      while (!held) await new Promise((r) => setTimeout(r, 5));
      const b = await putConfig(openaiConfig({ limits: { rpm: 30 } })); // writer B: n+2, KV lands first
      expect(b.status).toBe(200);
      release();
      expect((await a).status).toBe(200);
    } finally {
      proto.put = realPut;
    }
    forgetConfig();
    const adminView = await (await admin('/admin/config')).json<Json>();
    expect(adminView.limits.rpm).toBe(30); // the admin API reports B (from D1, KV is "behind")
    const served = await getRuntime(env);
    expect(served.config.limits.rpm).toBe(30);
  });
});
