// Runs generated fuzz cases through the Worker with bounded concurrency and checks the invariants:
// no 5xx, no unhandled exception, every error an OpenAI ErrorResponse, every success well shaped.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { vi } from 'vitest';
import worker from '../../src/index';
import { expectOpenAIShape } from '../helpers/openapi';
import { caseSeed, type Rng, rngFrom, runSeed } from './prng';

/** Fixed so CI is deterministic; `FUZZ_SEED=<n>|random npx vitest run test/fuzz` explores others. */
export const SEED = runSeed(env.FUZZ_SEED, 0x7011_6a7e);
/** `FUZZ_SCALE=10` runs ten times the cases (a longer local hunt); `0.1` a quick look. */
export const SCALE = Number(env.FUZZ_SCALE) > 0 ? Number(env.FUZZ_SCALE) : 1;
/** A suite's time limit, grown with its case count: `FUZZ_SCALE=3` timed out at the fixed one. */
export const scaledTimeout = (ms: number) => Math.round(ms * Math.max(1, SCALE));
const CONCURRENCY = 16;
// Cases call the Worker's fetch handler directly. Through `exports.default` (or SELF) each request
// cost more than the last in vitest-pool-workers 0.15 — 5 ms at first, 250 ms after 2,000 — while
// the same bundle under plain Miniflare stays flat at ~2 ms: a harness artifact that made 10,000
// cases impossible. The handler, its bindings and its waitUntil work are the same either way.
const DEADLINE_MS = 20_000;

export interface FuzzCase {
  method: string;
  /** Path and query. */
  path: string;
  headers: [string, string][];
  body?: Uint8Array | string;
  /** What was generated or mutated, printed when the case fails. */
  note: string;
  /** Checks a 2xx answer; returns a problem, or undefined when it is fine. */
  checkOk?: (response: Response, text: string) => string | undefined;
}

export interface Finding {
  id: string;
  status: number;
  problem: string;
  request: string;
  note: string;
  body: string;
}

export interface FuzzReport {
  cases: number;
  statuses: Record<number, number>;
  findings: Finding[];
  /** The slowest case, to keep an eye on the suite's time. */
  slowest: { id: string; ms: number; request: string };
}

/** Generates `count` cases of one endpoint (each from its own seed) and sends them all. */
export async function fuzz(
  name: string,
  count: number,
  generate: (rng: Rng, index: number) => FuzzCase,
): Promise<FuzzReport> {
  const report: FuzzReport = {
    cases: 0,
    statuses: {},
    findings: [],
    slowest: { id: '', ms: 0, request: '' },
  };
  const total = Math.max(1, Math.round(count * SCALE));
  const errors = vi.spyOn(console, 'error');
  const rejections: string[] = [];
  const onRejection = (event: PromiseRejectionEvent) => rejections.push(String(event.reason));
  addEventListener('unhandledrejection', onRejection);
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < total) {
          const index = next++;
          const id = `${name}#${index}`;
          const fuzzCase = generate(rngFrom(caseSeed(SEED, name, index)), index);
          await runCase(id, fuzzCase, report);
        }
      }),
    );
  } finally {
    removeEventListener('unhandledrejection', onRejection);
    for (const args of errors.mock.calls) {
      report.findings.push(finding(`${name}#?`, 0, `console.error: ${args.map(String).join(' ')}`));
    }
    errors.mockRestore();
  }
  for (const reason of rejections)
    report.findings.push(finding(`${name}#?`, 0, `unhandled rejection: ${reason}`));
  return report;
}

function finding(id: string, status: number, problem: string, fuzzCase?: FuzzCase, body = ''): Finding {
  return {
    id,
    status,
    problem: problem.slice(0, 600),
    request: fuzzCase ? `${fuzzCase.method} ${fuzzCase.path.slice(0, 120)}` : '',
    note: fuzzCase?.note.slice(0, 300) ?? '',
    body: body.slice(0, 300),
  };
}

async function runCase(id: string, fuzzCase: FuzzCase, report: FuzzReport): Promise<void> {
  const { method, path, headers, body } = fuzzCase;
  let request: RequestInit;
  try {
    // A header a client could not send (the runtime refuses it) is a generator slip, not a finding.
    request = { method, headers: new Headers(headers), body: body ?? null };
  } catch {
    return;
  }
  report.cases++;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const started = performance.now();
  try {
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no complete answer within ${DEADLINE_MS} ms`)), DEADLINE_MS);
    });
    const exchange = (async () => {
      const ctx = createExecutionContext();
      const response = await worker.fetch(new Request(`https://gateway.test${path}`, request), env, ctx);
      const text = await response.text();
      await waitOnExecutionContext(ctx); // background work (logs, settle) fails here, not later
      return { response, text };
    })();
    exchange.catch(() => {});
    const { response, text } = await Promise.race([exchange, deadline]);
    report.statuses[response.status] = (report.statuses[response.status] ?? 0) + 1;
    const problem = check(fuzzCase, response, text);
    if (problem) report.findings.push(finding(id, response.status, problem, fuzzCase, text));
  } catch (error) {
    report.findings.push(finding(id, 0, `threw: ${String(error)}`, fuzzCase));
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    const ms = performance.now() - started;
    if (ms > report.slowest.ms)
      report.slowest = { id, ms, request: `${method} ${path.slice(0, 60)} (${fuzzCase.note.slice(0, 80)})` };
  }
}

function check(fuzzCase: FuzzCase, response: Response, text: string): string | undefined {
  if (response.status >= 500) return `HTTP ${response.status}`;
  if (fuzzCase.method === 'HEAD') return undefined;
  if (response.status >= 400) return errorShapeProblem(response, text);
  if (response.status >= 200 && response.status < 300) return fuzzCase.checkOk?.(response, text);
  return undefined;
}

export function errorShapeProblem(response: Response, text: string): string | undefined {
  if (!response.headers.get('content-type')?.includes('application/json'))
    return `error without a JSON content-type (${response.headers.get('content-type')})`;
  return shapeProblem('ErrorResponse', text);
}

/** expectOpenAIShape, turned into a problem string so that one run reports every finding. */
export function shapeProblem(name: Parameters<typeof expectOpenAIShape>[0], text: string | unknown) {
  try {
    expectOpenAIShape(name, typeof text === 'string' ? JSON.parse(text) : text);
    return undefined;
  } catch (error) {
    return `not an OpenAI ${name}: ${String(error).slice(0, 400)}`;
  }
}

/** One line per run for the log, and a readable failure listing the first findings. */
export function summary(name: string, report: FuzzReport, startedAt: number): string {
  const statuses = Object.entries(report.statuses)
    .map(([status, n]) => `${status}×${n}`)
    .join(' ');
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  const slowest = `slowest ${report.slowest.id} ${report.slowest.ms.toFixed(0)} ms: ${report.slowest.request}`;
  return `fuzz ${name}: ${report.cases} cases in ${seconds} s, seed ${SEED}, ${slowest} — ${statuses}`;
}

export function findingsMessage(report: FuzzReport): string {
  const lines = report.findings
    .slice(0, 15)
    .map(
      (f) =>
        `  ${f.id} → ${f.status}: ${f.problem}\n    ${f.request}\n    mutation: ${f.note}\n    body: ${f.body}`,
    );
  return `${report.findings.length} fuzz findings (seed ${SEED}; rerun with FUZZ_SEED=${SEED}; a case id is <endpoint>#<index>):\n${lines.join('\n')}`;
}
