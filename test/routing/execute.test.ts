import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors';
import { Unsupported, UpstreamError } from '../../src/providers/types';
import { CircuitBreakers } from '../../src/routing/circuit-breaker';
import { type AttemptContext, executeRoute } from '../../src/routing/execute';
import { attemptsOf } from '../../src/routing/failures';
import {
  callerError,
  fakeClock,
  hang,
  recordingSleep,
  runtimeFor,
  type Script,
  scripted,
  sequence,
  serverError,
} from './harness';

const chain = (...targets: string[]) => ({
  targets: targets.map((t) => {
    const [provider, model] = t.split('/');
    return { provider: provider!, model: model! };
  }),
});

function setup(
  config: Parameters<typeof runtimeFor>[0],
  scripts: Record<string, Script[]>,
  random = sequence(),
) {
  const runtime = runtimeFor(config);
  const clock = fakeClock();
  const { delays, sleep } = recordingSleep(clock);
  const upstream = scripted(scripts);
  const circuits = new CircuitBreakers();
  const run = (model = 'm', extra: Parameters<typeof executeRoute>[3] = {}) =>
    executeRoute(runtime, runtime.resolve(model)!, upstream.call, {
      random,
      now: clock.now,
      sleep,
      circuits,
      ...extra,
    });
  return { run, calls: upstream.calls, delays, clock, circuits };
}

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

describe('fallback and retries', () => {
  it('falls back in order and records every attempt', async () => {
    const { run, calls } = setup(
      { models: { m: chain('a/x', 'b/y', 'c/z') }, retry: { attempts: 0 } },
      { 'a/x': [serverError(502)], 'b/y': [new UpstreamError('network', 0, 'reset')] },
    );
    const served = await run();
    expect(served.result).toBe('c/z');
    expect(calls).toEqual(['a/x', 'b/y', 'c/z']);
    expect(served.attempts.map(({ latencyMs: _, ...a }) => a)).toEqual([
      { provider: 'a', model: 'x', status: 502, failure: 'server', retry: 0 },
      { provider: 'b', model: 'y', status: 0, failure: 'network', retry: 0 },
      { provider: 'c', model: 'z', status: 200, retry: 0 },
    ]);
  });

  it('retries a target retry.attempts times with full-jitter delays, then moves on', async () => {
    const { run, calls, delays } = setup(
      {
        models: { m: chain('a/x', 'b/y') },
        retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 300 },
      },
      { 'a/x': [serverError(503)] },
      sequence(0.5, 0.25, 0.9),
    );
    const served = await run();
    // ceilings 100, 200, then 400 capped at 300
    expect(delays).toEqual([50, 50, 270]);
    expect(calls).toEqual(['a/x', 'a/x', 'a/x', 'a/x', 'b/y']);
    expect(served.attempts.map((a) => [a.retry, a.delayMs])).toEqual([
      [0, undefined],
      [1, 50],
      [2, 50],
      [3, 270],
      [0, undefined],
    ]);
  });

  it("honours the provider's retry-after instead of drawing a delay", async () => {
    const { run, calls, delays } = setup(
      { models: { m: chain('a/x', 'b/y') }, retry: { attempts: 2, maxDelayMs: 2000 } },
      { 'a/x': [serverError(429, 1500), 'ok'] },
    );
    expect((await run()).result).toBe('a/x');
    expect(delays).toEqual([1500]);
    expect(calls).toEqual(['a/x', 'a/x']);
  });

  it('moves to the next target at once when retry-after is longer than the cap', async () => {
    const { run, calls, delays } = setup(
      { models: { m: chain('a/x', 'b/y') }, retry: { attempts: 2, maxDelayMs: 2000 } },
      { 'a/x': [serverError(429, 30_000)] },
    );
    expect((await run()).result).toBe('b/y');
    expect(delays).toEqual([]);
    expect(calls).toEqual(['a/x', 'b/y']);
  });

  it('does not retry or fail over a caller error: it passes through', async () => {
    const { run, calls } = setup(
      { models: { m: chain('a/x', 'b/y') }, retry: { attempts: 3 } },
      { 'a/x': [callerError(400, 'invalid_value')] },
    );
    const error = await failure(run());
    expect(error.status).toBe(400);
    expect(error.code).toBe('invalid_value');
    expect(error.headers['x-tollgate-attempts']).toBe('1');
    expect(calls).toEqual(['a/x']);
  });

  it('does not retry the gateway’s own bad credentials on the same target, but fails over', async () => {
    const { run, calls } = setup(
      { models: { m: chain('a/x', 'b/y') }, retry: { attempts: 3 } },
      { 'a/x': [new UpstreamError('auth', 401, 'no')] },
    );
    expect((await run()).result).toBe('b/y');
    expect(calls).toEqual(['a/x', 'b/y']);
  });

  it('answers 502 listing every attempt when all targets fail', async () => {
    const { run } = setup(
      { models: { m: chain('a/x', 'b/y') }, retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 } },
      { 'a/x': [serverError(500)], 'b/y': [serverError(529)] },
      sequence(0, 0),
    );
    const error = await failure(run());
    expect(error.status).toBe(502);
    expect(error.code).toBe('upstream_error');
    expect(error.message).toBe(
      'Every provider failed: a/x: server error (HTTP 500); a/x (retry 1): server error (HTTP 500); b/y: overloaded (HTTP 529); b/y (retry 1): overloaded (HTTP 529).',
    );
    expect(error.headers['x-tollgate-attempts']).toBe('4');
  });
});

describe('context length', () => {
  const models = {
    m: {
      targets: [
        { provider: 'a', model: 'small', contextWindow: 8_000 },
        { provider: 'b', model: 'unknown' },
        { provider: 'c', model: 'same', contextWindow: 8_000 },
        { provider: 'd', model: 'large', contextWindow: 128_000 },
      ],
    },
  };
  const tooLong = callerError(400, 'context_length_exceeded');

  it('moves on only to a target with a larger context window', async () => {
    const { run, calls } = setup({ models }, { 'a/small': [tooLong] });
    const served = await run();
    expect(served.result).toBe('d/large');
    expect(calls).toEqual(['a/small', 'd/large']);
    expect(served.skipped).toEqual([
      { provider: 'b', model: 'unknown', reason: 'context_window' },
      { provider: 'c', model: 'same', reason: 'context_window' },
    ]);
  });

  it('tries a larger target skipped for an open circuit as a last resort, not telling the client to shorten its prompt', async () => {
    const two = {
      m: { targets: [models.m.targets[0]!, models.m.targets[3]!] },
      onlyLarge: { targets: [models.m.targets[3]!] },
    };
    const breaker = { failureThreshold: 1, cooldownMs: 60_000 };
    const { run, calls } = setup(
      { models: two, retry: { attempts: 0 }, circuitBreaker: breaker },
      { 'a/small': [tooLong], 'd/large': [serverError(500), 'ok'] },
    );
    await failure(run('onlyLarge')); // opens d/large's circuit
    const served = await run();
    expect(served.result).toBe('d/large');
    expect(calls).toEqual(['d/large', 'a/small', 'd/large']);
    expect(served.attempts.at(-1)?.lastResort).toBe(true);
  });

  it('answers an outage (502), not the context error, when the larger target failed for another reason', async () => {
    const largeFirst = { m: { targets: [models.m.targets[3]!, models.m.targets[0]!] } };
    const { run, calls } = setup(
      { models: largeFirst, retry: { attempts: 0 } },
      { 'd/large': [serverError(500)], 'a/small': [tooLong] },
    );
    const error = await failure(run());
    expect(calls).toEqual(['d/large', 'a/small']);
    expect(error.status).toBe(502);
    expect(error.code).toBe('upstream_error');
  });

  it('passes the error through when no larger window is left', async () => {
    const { run, calls } = setup({ models }, { 'a/small': [tooLong], 'd/large': [tooLong] });
    const error = await failure(run());
    expect(error.status).toBe(400);
    expect(error.code).toBe('context_length_exceeded');
    expect(calls).toEqual(['a/small', 'd/large']);
  });
});

describe('circuit breaker in routing', () => {
  const config = {
    models: { m: chain('a/x', 'b/y') },
    retry: { attempts: 0 },
    circuitBreaker: { failureThreshold: 2, cooldownMs: 10_000 },
  };

  it('opens after N failures, skips the target, half-opens after the cooldown, closes on success', async () => {
    const { run, calls, clock } = setup(config, { 'a/x': [serverError(), serverError(), 'ok'] });
    await run();
    await run();
    expect(calls).toEqual(['a/x', 'b/y', 'a/x', 'b/y']);

    const skipping = await run();
    expect(calls.slice(4)).toEqual(['b/y']);
    expect(skipping.skipped).toEqual([{ provider: 'a', model: 'x', reason: 'circuit_open' }]);
    expect(skipping.attempts).toHaveLength(1);

    clock.advance(10_000);
    const probe = await run();
    expect(probe.result).toBe('a/x');
    clock.advance(1);
    expect((await run()).result).toBe('a/x'); // closed again
  });

  it('leaves open a circuit that opened while a slow answer from the same target was on its way', async () => {
    let slow = 0;
    const { run, clock, circuits } = setup(config, {
      'a/x': [
        async () => {
          slow++;
          clock.advance(1);
          await run(); // fails on a/x, served by b/y
          await run(); // fails again: the circuit opens
          clock.advance(1);
          return 'a/x (late)';
        },
        serverError(),
        serverError(),
      ],
    });
    const served = await run();
    expect(served.result).toBe('a/x (late)');
    expect(slow).toBe(1);
    expect(circuits.state('a/x', { enabled: true, ...config.circuitBreaker }, clock.now())).toBe('open');
  });

  it('stops retrying a target as soon as its circuit opens', async () => {
    const { run, calls } = setup(
      { ...config, retry: { attempts: 5, baseDelayMs: 0, maxDelayMs: 0 } },
      { 'a/x': [serverError()] },
      sequence(0),
    );
    expect((await run()).result).toBe('b/y');
    expect(calls).toEqual(['a/x', 'a/x', 'b/y']);
  });

  it('gives the half-open probe back when its client left before it went out', async () => {
    const { run, calls, clock } = setup(config, { 'a/x': [serverError(), serverError(), 'ok'] });
    await run();
    await run(); // a/x is open now
    clock.advance(10_000);
    const gone = new AbortController();
    gone.abort();
    await failure(run('m', { signal: gone.signal })); // took the probe, then saw its client gone
    clock.advance(10);
    const next = await run(); // the probe slot is free again: a/x is tried, not skipped
    expect(next.result).toBe('a/x');
    expect(calls.slice(-1)).toEqual(['a/x']);
  });

  it('holds a half-open probe whose verdict comes later (a stream) until it is given', async () => {
    const { run, calls, clock } = setup(config, { 'a/x': [serverError(), serverError(), 'ok', 'ok'] });
    await run();
    await run(); // a/x is open now
    clock.advance(10_000);
    const later = { verdictLater: () => true };
    const probe = await run('m', later);
    expect(probe.result).toBe('a/x');
    clock.advance(1);
    expect((await run('m', later)).result).toBe('b/y'); // the probe is still out: a/x skipped
    probe.verdict('none'); // its client left: the probe is given back, the circuit still half-open
    probe.verdict('healthy'); // only the first verdict counts
    const second = await run('m', later);
    expect(second.result).toBe('a/x');
    second.verdict('failed'); // the second probe failed: open again for a cooldown
    clock.advance(9_000);
    expect((await run()).result).toBe('b/y');
    expect(calls.slice(4)).toEqual(['a/x', 'b/y', 'a/x', 'b/y']);
  });

  it('does not let a stream begun before an outage close the circuit the outage opened', async () => {
    const { run, calls, clock } = setup(config, { 'a/x': ['ok', serverError(), serverError()] });
    const long = await run('m', { verdictLater: () => true }); // a stream starts on a/x
    expect(long.result).toBe('a/x');
    clock.advance(1);
    await run();
    await run(); // two failures meanwhile: a/x is open
    clock.advance(1);
    long.verdict('healthy'); // the old stream finishes fine
    expect((await run()).result).toBe('b/y'); // still open: skipped
    expect(calls).toEqual(['a/x', 'a/x', 'b/y', 'a/x', 'b/y', 'b/y']);
  });

  it('still tries the least recently failed target when every circuit is open', async () => {
    const { run, calls, clock } = setup(
      { ...config, models: { ...config.models, onlyA: chain('a/x'), onlyB: chain('b/y') } },
      { 'a/x': [serverError()], 'b/y': [serverError(), serverError(), 'ok'] },
    );
    for (const model of ['onlyA', 'onlyA', 'onlyB', 'onlyB']) {
      clock.advance(1);
      await failure(run(model)); // a fails at t+1, t+2 (opens); b at t+3, t+4 (opens)
    }
    clock.advance(1);
    const error = await failure(run()); // both open: a failed longest ago, so a is tried, and fails
    expect(error.headers['x-tollgate-attempts']).toBe('1');
    expect(calls.slice(4)).toEqual(['a/x']);

    clock.advance(1);
    const served = await run(); // now b's failure is the older one
    expect(served.result).toBe('b/y');
    expect(served.attempts).toEqual([expect.objectContaining({ provider: 'b', lastResort: true })]);
    expect(served.skipped).toEqual([{ provider: 'a', model: 'x', reason: 'circuit_open' }]);
  });
});

describe('timeouts', () => {
  it('completes a 3-target chain via the third when the first two time out, within the budget', async () => {
    const runtime = runtimeFor({
      models: { m: chain('a/x', 'b/y', 'c/z') },
      retry: { attempts: 0 },
      timeouts: { requestMs: 100, totalMs: 1_000 },
    });
    const upstream = scripted({ 'a/x': [hang], 'b/y': [hang] });
    const started = Date.now();
    const served = await executeRoute(runtime, runtime.resolve('m')!, upstream.call, {
      circuits: new CircuitBreakers(),
    });
    const elapsed = Date.now() - started;
    expect(served.result).toBe('c/z');
    expect(served.attempts.map((a) => a.failure)).toEqual(['timeout', 'timeout', undefined]);
    expect(elapsed).toBeGreaterThanOrEqual(200);
    expect(elapsed).toBeLessThan(1_000);
  });

  it('answers 504 when the time budget runs out, clipping the last attempt and skipping the rest', async () => {
    const runtime = runtimeFor({
      models: { m: chain('a/x', 'b/y', 'c/z') },
      retry: { attempts: 0 },
      timeouts: { requestMs: 200, totalMs: 300 },
    });
    const upstream = scripted({ 'a/x': [hang], 'b/y': [hang] });
    const started = Date.now();
    const error = await failure(
      executeRoute(runtime, runtime.resolve('m')!, upstream.call, { circuits: new CircuitBreakers() }),
    );
    const elapsed = Date.now() - started;
    expect(error.status).toBe(504);
    expect(error.code).toBe('upstream_timeout');
    expect(error.message).toContain('c/z: skipped, time budget spent');
    expect(upstream.calls).toEqual(['a/x', 'b/y']);
    expect(elapsed).toBeLessThan(450);
  });

  it('retries a stream whose first event timed out, and counts it, even while totalMs cuts requestMs', async () => {
    const runtime = runtimeFor({
      models: { m: chain('a/x', 'b/y') },
      retry: { attempts: 2, baseDelayMs: 0, maxDelayMs: 0 },
      timeouts: { requestMs: 2_000, firstByteMs: 100, totalMs: 1_500 },
      circuitBreaker: { failureThreshold: 2, cooldownMs: 60_000 },
    });
    const circuits = new CircuitBreakers();
    const upstream = scripted({ 'a/x': [hang] });
    const served = await executeRoute(runtime, runtime.resolve('m')!, upstream.call, {
      circuits,
      streaming: true,
    });
    expect(served.result).toBe('b/y');
    // Two first-event timeouts on a/x: its circuit opened after the second, so no third try.
    expect(upstream.calls).toEqual(['a/x', 'a/x', 'b/y']);
    expect(circuits.state('a/x', runtime.config.circuitBreaker, Date.now())).toBe('open');
  });

  it("ends by the caller's deadline (the budget reservation's life) as by totalMs", async () => {
    const runtime = runtimeFor({
      models: { m: chain('a/x', 'b/y', 'c/z') },
      retry: { attempts: 0 },
      timeouts: { requestMs: 200 },
    });
    const upstream = scripted({ 'a/x': [hang], 'b/y': [hang] });
    const error = await failure(
      executeRoute(runtime, runtime.resolve('m')!, upstream.call, {
        circuits: new CircuitBreakers(),
        deadline: Date.now() + 300,
      }),
    );
    expect(error.status).toBe(504);
    expect(error.message).toContain('c/z: skipped, time budget spent');
    expect(upstream.calls).toEqual(['a/x', 'b/y']);
  });

  it("does not count a try the time budget cut short against the provider's circuit", async () => {
    const runtime = runtimeFor({
      models: { m: chain('a/x', 'b/y') },
      retry: { attempts: 0 },
      timeouts: { requestMs: 1_000, totalMs: 250 },
      circuitBreaker: { failureThreshold: 1, cooldownMs: 60_000 },
    });
    const circuits = new CircuitBreakers();
    // a/x takes 200 ms to fail; b/y would answer in 100 ms but only has the 50 ms left.
    const slowFail = async (signal: AbortSignal) => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      if (signal.aborted) throw signal.reason;
      throw new UpstreamError('server', 500, 'boom');
    };
    const slowOk = (signal: AbortSignal) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => resolve('b/y'), 100);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(signal.reason);
        });
      });
    const call = async ({ target, signal }: AttemptContext) =>
      target.provider === 'a' ? slowFail(signal) : slowOk(signal);
    await failure(executeRoute(runtime, runtime.resolve('m')!, call, { circuits }));
    expect(circuits.state('a/x', runtime.config.circuitBreaker, Date.now())).toBe('open');
    expect(circuits.state('b/y', runtime.config.circuitBreaker, Date.now())).toBe('closed');
  });

  it('bounds a stream by the first-byte timeout until the attempt reports its first byte', async () => {
    const runtime = runtimeFor({
      models: { m: chain('a/x', 'b/y') },
      retry: { attempts: 0 },
      timeouts: { requestMs: 5_000, firstByteMs: 100 },
    });
    const slowThenFine = async (ctx: Parameters<typeof hang>[0]) => {
      ctx.firstByte();
      await new Promise((resolve) => setTimeout(resolve, 200));
      return 'b/y';
    };
    const upstream = scripted({ 'a/x': [hang], 'b/y': [slowThenFine] });
    const served = await executeRoute(runtime, runtime.resolve('m')!, upstream.call, {
      streaming: true,
      circuits: new CircuitBreakers(),
    });
    expect(served.result).toBe('b/y');
    expect(served.attempts[0]).toMatchObject({ failure: 'timeout' });
    expect(served.attempts[0]!.latencyMs).toBeLessThan(1_000);
  });
});

describe('client abort and gateway errors', () => {
  it('stops at once when the client goes away, without retrying or failing over', async () => {
    const controller = new AbortController();
    const { run, calls } = setup(
      { models: { m: chain('a/x', 'b/y') }, retry: { attempts: 3 } },
      {
        'a/x': [
          async () => {
            controller.abort(new Error('client gone'));
            throw new UpstreamError('network', 0, 'aborted');
          },
        ],
      },
    );
    const gone = await run('m', { signal: controller.signal }).catch((error: unknown) => error);
    expect(gone).toMatchObject({ status: 499, code: 'client_closed' });
    expect(attemptsOf(gone)).toEqual([expect.objectContaining({ provider: 'a', cancelled: true })]);
    expect(calls).toEqual(['a/x']);
  });

  it('passes an adapter’s own GatewayError through untouched', async () => {
    const refusal = new GatewayError(400, 'invalid_request_error', 'unsupported', 'no', 'n');
    const { run, calls } = setup(
      { models: { m: chain('a/x', 'b/y') } },
      {
        'a/x': [
          async () => {
            throw refusal;
          },
        ],
      },
    );
    expect(await run().catch((e: unknown) => e)).toBe(refusal);
    expect(calls).toEqual(['a/x']);
  });

  it('passes over a target that cannot serve the request, with no attempt and no verdict on its circuit', async () => {
    const refuse = async () => {
      throw new Unsupported('A embeds text only.', 'input');
    };
    const { run, calls, circuits, clock } = setup(
      { models: { m: chain('a/x', 'b/y') }, circuitBreaker: { failureThreshold: 1, cooldownMs: 1000 } },
      { 'a/x': [refuse] },
    );
    const served = await run();
    expect(served.result).toBe('b/y');
    expect(calls).toEqual(['a/x', 'b/y']);
    expect(served.attempts.map((a) => `${a.provider}/${a.model}`)).toEqual(['b/y']);
    expect(served.skipped).toEqual([
      { provider: 'a', model: 'x', reason: 'unsupported', detail: 'A embeds text only.' },
    ]);
    const breaker = { enabled: true, failureThreshold: 1, cooldownMs: 1000 };
    expect(circuits.state('a/x', breaker, clock.now())).toBe('closed');
  });

  it('answers the first refusal (400, its param) when no target can serve the request', async () => {
    const first = new Unsupported('A embeds text only.', 'input');
    const { run, calls } = setup(
      { models: { m: chain('a/x', 'b/y') } },
      {
        'a/x': [async () => Promise.reject(first)],
        'b/y': [async () => Promise.reject(new Unsupported('B neither.', 'input'))],
      },
    );
    const error = await failure(run());
    expect(error).toBe(first);
    expect(error.toBody().error).toMatchObject({ param: 'input', message: 'A embeds text only.' });
    expect(calls).toEqual(['a/x', 'b/y']);
  });

  it('still answers 429 when the targets that could serve it all rate limited', async () => {
    const { run } = setup(
      { models: { m: chain('a/x', 'b/y') }, retry: { attempts: 0 } },
      {
        'a/x': [async () => Promise.reject(new Unsupported('A embeds text only.', 'input'))],
        'b/y': [new UpstreamError('rate_limit', 429, 'slow down')],
      },
    );
    const error = await failure(run());
    expect(error.status).toBe(429);
    expect(error.message).toContain('a/x: skipped, cannot serve this request (A embeds text only)');
  });

  it('answers 403 when per-key limits leave no provider', async () => {
    const runtime = runtimeFor({ models: { m: chain('a/x') } });
    const route = { ...runtime.resolve('m')!, providers: { deny: ['a'] } };
    const error = await failure(executeRoute(runtime, route, async () => 'never'));
    expect(error.status).toBe(403);
    expect(error.code).toBe('model_not_allowed');
  });
});

describe('last resorts when every circuit is open', () => {
  const breaker = { enabled: true, failureThreshold: 1, cooldownMs: 60_000 };
  const config = (targets: object[]) => ({
    models: { m: { targets } },
    retry: { attempts: 0 },
    circuitBreaker: breaker,
  });
  const refuse = (message: string) => async () => Promise.reject(new Unsupported(message, 'n'));
  const tooLong = callerError(400, 'context_length_exceeded');
  /** Opens the targets' circuits, the first listed failing longest ago. */
  const open = (circuits: CircuitBreakers, now: number, ...keys: string[]) => {
    for (const [i, key] of keys.entries()) circuits.failure(key, breaker, now - 100 + i);
  };

  it('passes over a last resort that cannot serve the request for the next one', async () => {
    const { run, calls, circuits, clock } = setup(
      config([
        { provider: 'a', model: 'x' },
        { provider: 'b', model: 'y' },
      ]),
      { 'a/x': [refuse('A cannot do n.')], 'b/y': ['ok'] },
    );
    open(circuits, clock.now(), 'a/x', 'b/y');
    expect((await run()).result).toBe('b/y');
    expect(calls).toEqual(['a/x', 'b/y']);
  });

  it('answers the refusal (400) when no target behind its open circuit can serve the request', async () => {
    const { run, circuits, clock } = setup(
      config([
        { provider: 'a', model: 'x' },
        { provider: 'b', model: 'y' },
      ]),
      { 'a/x': [refuse('A cannot do n.')], 'b/y': [refuse('B cannot do n.')] },
    );
    open(circuits, clock.now(), 'a/x', 'b/y');
    const error = await failure(run());
    expect(error.status).toBe(400);
    expect(error.param).toBe('n');
  });

  it('after a context overflow, tries the widest target behind an open circuit, not the least recently failed', async () => {
    const { run, calls, circuits, clock } = setup(
      config([
        { provider: 'a', model: 'small', contextWindow: 8_000 },
        { provider: 'b', model: 'mid', contextWindow: 32_000 },
        { provider: 'c', model: 'large', contextWindow: 128_000 },
      ]),
      { 'a/small': [tooLong], 'b/mid': [tooLong], 'c/large': ['ok'] },
    );
    open(circuits, clock.now(), 'b/mid', 'c/large');
    expect((await run()).result).toBe('c/large');
    expect(calls).toEqual(['a/small', 'c/large']);
  });
});
