// reasoning_effort to Claude's thinking on Anthropic's API (src/providers/claude-thinking.ts), through
// the whole Worker: the exact upstream body, what wins over it, what is refused and passed to the
// route's next target, and the output cap the reservation counted.
import { describe, expect, it } from 'vitest';
import { chat, type Json } from '../helpers/gateway';
import { EFFORT_BUDGETS, hello, refused, sent, setup } from '../helpers/reasoning-gateway';

describe('reasoning_effort to Anthropic', () => {
  it('maps each effort to a thinking budget on Claude 3.7–4.5, the default max_tokens growing by it', async () => {
    const key = await setup();
    for (const [effort, budget] of EFFORT_BUDGETS) {
      const body = await sent(key, { model: 'anthropic/claude-sonnet-4-5', reasoning_effort: effort });
      expect(body.thinking, effort).toEqual({ type: 'enabled', budget_tokens: budget });
      expect(body.max_tokens).toBe(4096 + budget);
      expect(body).not.toHaveProperty('reasoning_effort');
    }
    // Claude 3.7 Sonnet was the first to think; a dated id carries no minor version.
    for (const model of ['claude-3-7-sonnet-latest', 'claude-sonnet-4-20250514', 'claude-opus-4-1']) {
      const body = await sent(key, { model: `anthropic/${model}`, reasoning_effort: 'low' });
      expect(body.thinking, model).toEqual({ type: 'enabled', budget_tokens: 1024 });
    }
  });

  it("keeps the budget below the client's own cap, and refuses a cap too small to think within", async () => {
    const key = await setup();
    const body = await sent(key, {
      model: 'anthropic/claude-sonnet-4-5',
      reasoning_effort: 'high',
      max_completion_tokens: 2000,
    });
    expect(body).toMatchObject({ max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 1999 } });
    const error = await refused(key, {
      model: 'anthropic/claude-sonnet-4-5',
      reasoning_effort: 'low',
      max_tokens: 1024,
    });
    expect(error.param).toBe('max_completion_tokens');
  });

  it('gives Claude 4.6 and later adaptive thinking with output_config.effort', async () => {
    const key = await setup();
    for (const [effort, level, budget] of [
      ['minimal', 'low', 1024],
      ['medium', 'medium', 8192],
      ['xhigh', 'high', 24_576],
    ] as const) {
      const body = await sent(key, { model: 'anthropic/claude-opus-4-6', reasoning_effort: effort });
      expect(body.thinking, effort).toEqual({ type: 'adaptive' });
      expect(body.output_config).toEqual({ effort: level });
      expect(body.max_tokens).toBe(4096 + budget);
    }
    // The client's own output_config keeps its other fields.
    const format = { type: 'json_schema', schema: { type: 'object' } };
    const body = await sent(key, {
      model: 'anthropic/claude-sonnet-4-6',
      reasoning_effort: 'high',
      max_tokens: 5000,
      output_config: { format },
    });
    expect(body).toMatchObject({ max_tokens: 5000, output_config: { format, effort: 'high' } });
  });

  it('sends xhigh as effort xhigh from Claude 4.7 on (high before it), Claude 5 included', async () => {
    const key = await setup();
    for (const [model, level] of [
      ['claude-opus-4-6', 'high'],
      ['claude-sonnet-4-6', 'high'],
      ['claude-opus-4-7', 'xhigh'],
      ['claude-opus-5-5', 'xhigh'],
      ['claude-fable-5-1', 'xhigh'],
      ['claude-haiku-5-5', 'xhigh'],
    ] as const) {
      const body = await sent(key, { model: `anthropic/${model}`, reasoning_effort: 'xhigh' });
      expect(body.thinking, model).toEqual({ type: 'adaptive' });
      expect(body.output_config, model).toEqual({ effort: level });
    }
  });

  it("takes OpenAI's max (GPT-5.6 on) as Claude's own effort max on every adaptive model (4.6 on)", async () => {
    const key = await setup();
    for (const model of [
      'claude-opus-4-6',
      'claude-sonnet-4-6',
      'claude-opus-4-7',
      'claude-mythos-preview',
      'claude-opus-5-5',
      'claude-haiku-5-5',
    ]) {
      const body = await sent(key, { model: `anthropic/${model}`, reasoning_effort: 'max' });
      expect(body.thinking, model).toEqual({ type: 'adaptive' });
      expect(body.output_config, model).toEqual({ effort: 'max' });
      expect(body.max_tokens, model).toBe(4096 + 24_576);
    }
    // Before 4.6 it is a budget, as high's.
    const budget = await sent(key, { model: 'anthropic/claude-opus-4-5', reasoning_effort: 'max' });
    expect(budget.thinking).toEqual({ type: 'enabled', budget_tokens: 24_576 });
    // Bedrock's Claude alike.
    const bedrock = await sent(key, {
      model: 'aws/us.anthropic.claude-opus-4-6-v1',
      reasoning_effort: 'max',
    });
    expect(bedrock.additionalModelRequestFields).toEqual({
      thinking: { type: 'adaptive' },
      output_config: { effort: 'max' },
    });
  });

  it('treats Claude Mythos Preview (no version in its id) as the Mythos of 4.7: adaptive only, no xhigh', async () => {
    const key = await setup();
    for (const model of ['anthropic/claude-mythos-preview', 'aws/us.anthropic.claude-mythos-preview']) {
      const effort = async (reasoning_effort: string) =>
        (await sent(key, { model, reasoning_effort })) as Json;
      const fields = (body: Json) => (model.startsWith('aws/') ? body.additionalModelRequestFields : body);
      // A budget is a 400 there: adaptive thinking, high as itself, xhigh (which it lacks) as high.
      for (const [asked, level] of [
        ['high', 'high'],
        ['xhigh', 'high'],
      ] as const) {
        expect(fields(await effort(asked)), `${model} ${asked}`).toMatchObject({
          thinking: { type: 'adaptive' },
          output_config: { effort: level },
        });
      }
      // It cannot stop thinking (disabled is a 400): none is the least it does.
      expect(fields(await effort('none')), model).toMatchObject({
        thinking: { type: 'adaptive' },
        output_config: { effort: 'low' },
      });
    }
  });

  it('sends for none what each Claude 5 model takes to think least: never a thinking it refuses', async () => {
    const key = await setup();
    const none = (model: string) => sent(key, { model: `anthropic/${model}`, reasoning_effort: 'none' });
    // Opus 5, Sonnet 5 and Haiku 5.5 think by default and may be told not to.
    for (const model of ['claude-opus-5', 'claude-sonnet-5', 'claude-haiku-5-5', 'claude-opus-5-20260724']) {
      const body = await none(model);
      expect(body.thinking, model).toEqual({ type: 'disabled' });
      expect(body, model).not.toHaveProperty('output_config');
      expect(body.max_tokens, model).toBe(4096);
    }
    // Sonnet 5.5 refuses disabled: between_tools turns off the thinking before its answer.
    expect((await none('claude-sonnet-5-5')).thinking).toEqual({ type: 'between_tools' });
    // Opus 5.5, Fable and Mythos always think (disabled is a 400): the least they do.
    for (const model of ['claude-opus-5-5', 'claude-fable-5-1', 'claude-fable-5', 'claude-mythos-5-1']) {
      const body = await none(model);
      expect(body.thinking, model).toEqual({ type: 'adaptive' });
      expect(body.output_config, model).toEqual({ effort: 'low' });
      expect(body.max_tokens, model).toBe(4096);
    }
    // The client's own thinking still wins.
    const native = await sent(key, {
      model: 'anthropic/claude-opus-5',
      reasoning_effort: 'none',
      output_config: { effort: 'max' },
    });
    expect(native).not.toHaveProperty('thinking');
    expect(native.output_config).toEqual({ effort: 'max' });
    // Bedrock's ids map as Anthropic's do.
    const bedrock = await sent(key, {
      model: 'aws/global.anthropic.claude-opus-5-5',
      reasoning_effort: 'none',
    });
    expect(bedrock.additionalModelRequestFields).toEqual({
      thinking: { type: 'adaptive' },
      output_config: { effort: 'low' },
    });
  });

  it('sends no thinking for none, and lets a native thinking or effort win', async () => {
    const key = await setup();
    const none = await sent(key, { model: 'anthropic/claude-sonnet-4-5', reasoning_effort: 'none' });
    expect(none).not.toHaveProperty('thinking');
    expect(none.max_tokens).toBe(4096);
    const thinking = { type: 'enabled', budget_tokens: 2048 };
    const native = await sent(key, {
      model: 'anthropic/claude-sonnet-4-5',
      reasoning_effort: 'high',
      thinking,
    });
    expect(native).toMatchObject({ thinking, max_tokens: 4096 + 2048 });
    const effort = await sent(key, {
      model: 'anthropic/claude-opus-4-6',
      reasoning_effort: 'high',
      output_config: { effort: 'low' },
    });
    expect(effort.output_config).toEqual({ effort: 'low' });
    expect(effort).not.toHaveProperty('thinking');
  });

  it('refuses what thinking rules out, and a model that cannot think, which the next target serves', async () => {
    const key = await setup();
    const model = 'anthropic/claude-sonnet-4-5';
    for (const [extra, param] of [
      [{ temperature: 0.2 }, 'temperature'],
      [{ top_p: 0.5 }, 'top_p'],
      [{ top_k: 5 }, 'top_k'],
      [{ tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'required' }, 'tool_choice'],
      [{ reasoning_effort: 'extreme' }, 'reasoning_effort'],
    ] as const) {
      const error = await refused(key, { model, reasoning_effort: 'low', ...extra });
      expect(error.param, JSON.stringify(extra)).toBe(param);
    }
    expect(await sent(key, { model, reasoning_effort: 'low', temperature: 1, top_p: 0.95 })).toMatchObject({
      temperature: 1,
      thinking: { type: 'enabled' },
    });

    const error = await refused(key, {
      model: 'anthropic/claude-3-5-haiku-latest',
      reasoning_effort: 'high',
    });
    expect(error.param).toBe('reasoning_effort');
    const response = await chat(key, { model: 'haiku-or-mock', messages: hello, reasoning_effort: 'high' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('mock');
    // none asks a model that does not think for nothing it lacks.
    const plain = await sent(key, { model: 'anthropic/claude-3-5-haiku-latest', reasoning_effort: 'none' });
    expect(plain).not.toHaveProperty('thinking');
  });

  it('with limits.enforceMaxTokens, sends the cap the reservation counted, the budget within it', async () => {
    const key = await setup({ defaultMaxTokens: 300, enforceMaxTokens: true });
    const body = await sent(key, { model: 'anthropic/claude-sonnet-4-5', reasoning_effort: 'medium' });
    expect(body).toMatchObject({
      max_tokens: 300 + 8192,
      thinking: { type: 'enabled', budget_tokens: 8192 },
    });
  });
});
