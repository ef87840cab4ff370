// reasoning_effort to Workers AI's gpt-oss input (src/providers/workers-ai-effort.ts): the inputs the
// AI binding is run with, and other models passed to the route's next target.

import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Env } from '../../src/env';
import type { ChatRequest } from '../../src/openai/schemas';
import { createWorkersAI } from '../../src/providers/workers-ai';
import workersAIText from '../fixtures/workers-ai/chat-text.json';
import { chat } from '../helpers/gateway';
import { GPT_OSS_LEVELS, hello, refused, setup } from '../helpers/reasoning-gateway';

describe('reasoning_effort to Workers AI', () => {
  /** The inputs the `AI` binding was run with (it is unbound in the gateway's tests). */
  async function inputs(model: string, body: Record<string, unknown>) {
    const runs: Record<string, unknown>[] = [];
    const ai = {
      async run(_model: string, input: Record<string, unknown>) {
        runs.push(input);
        return workersAIText;
      },
    };
    const adapter = createWorkersAI(
      'cf',
      { type: 'workers-ai' },
      { env: { ...env, AI: ai } as unknown as Env, fetch: globalThis.fetch },
    );
    await adapter.chat({
      body: { model: 'alias', messages: hello, ...body } as ChatRequest,
      model,
      signal: new AbortController().signal,
      requestId: 'r1',
    });
    return runs[0]!;
  }

  it("maps to gpt-oss's own reasoning_effort input, none its least (it always reasons)", async () => {
    for (const [effort, level] of GPT_OSS_LEVELS) {
      for (const model of ['@cf/openai/gpt-oss-120b', '@cf/openai/gpt-oss-20b']) {
        const run = await inputs(model, { reasoning_effort: effort });
        expect(run.reasoning_effort, `${model} ${effort}`).toBe(level);
      }
    }
    expect(await inputs('@cf/openai/gpt-oss-120b', {})).not.toHaveProperty('reasoning_effort');
  });

  it('passes other models to the next target', async () => {
    const key = await setup();
    const error = await refused(key, {
      model: 'cf/@cf/meta/llama-3.3-70b-instruct-fp8-fast',
      reasoning_effort: 'low',
    });
    expect(error.param).toBe('reasoning_effort');
    const response = await chat(key, { model: 'llama-or-mock', messages: hello, reasoning_effort: 'low' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('mock');
  });
});
