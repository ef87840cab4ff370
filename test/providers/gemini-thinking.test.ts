// reasoning_effort to Gemini's thinkingConfig (src/providers/gemini-thinking.ts), through the whole
// Worker: per generation and model, what wins over it, and what is refused and passed on.
import { describe, expect, it } from 'vitest';
import { chat } from '../helpers/gateway';
import { EFFORT_BUDGETS, hello, refused, sent, setup } from '../helpers/reasoning-gateway';

describe('reasoning_effort to Gemini', () => {
  const config = async (key: string, model: string, effort: string) =>
    (await sent(key, { model: `gemini/${model}`, reasoning_effort: effort })).generationConfig
      ?.thinkingConfig;

  it("maps to Gemini 2.5's thinkingBudget as Google does, none the least each model takes", async () => {
    const key = await setup();
    for (const [effort, budget] of [['none', 0] as const, ...EFFORT_BUDGETS]) {
      expect(await config(key, 'gemini-2.5-flash', effort), effort).toEqual({ thinkingBudget: budget });
    }
    // 2.5 Pro cannot stop thinking: its smallest budget.
    expect(await config(key, 'gemini-2.5-pro', 'none')).toEqual({ thinkingBudget: 128 });
  });

  it("maps to Gemini 3's thinkingLevel, per model as Google's table does", async () => {
    const key = await setup();
    const cases: [string, string, string][] = [
      ['gemini-3-flash-preview', 'none', 'minimal'],
      ['gemini-3-flash-preview', 'minimal', 'minimal'],
      ['gemini-3-flash-preview', 'low', 'low'],
      ['gemini-3-flash-preview', 'medium', 'medium'],
      ['gemini-3-flash-preview', 'xhigh', 'high'],
      ['gemini-3-pro-preview', 'none', 'low'],
      ['gemini-3-pro-preview', 'minimal', 'low'],
      ['gemini-3-pro-preview', 'medium', 'high'],
      ['gemini-3.1-pro-preview', 'medium', 'medium'],
      ['gemini-3.1-pro-preview', 'high', 'high'],
    ];
    for (const [model, effort, level] of cases)
      expect(await config(key, model, effort), `${model} ${effort}`).toEqual({ thinkingLevel: level });
  });

  it('maps to Gemini 4, which takes no minimal (none and minimal are low), and max to high', async () => {
    const key = await setup();
    const cases: [string, string, string][] = [
      ['gemini-4-argon', 'none', 'low'],
      ['gemini-4-argon', 'minimal', 'low'],
      ['gemini-4-carbon', 'none', 'low'],
      ['gemini-4-neon', 'medium', 'medium'],
      ['gemini-4-hydrogen', 'max', 'high'],
      ['gemini-3-flash-preview', 'max', 'high'],
      ['gemini-3.8-flash', 'none', 'minimal'],
    ];
    for (const [model, effort, level] of cases)
      expect(await config(key, model, effort), `${model} ${effort}`).toEqual({ thinkingLevel: level });
    expect(await config(key, 'gemini-2.5-flash', 'max')).toEqual({ thinkingBudget: 24_576 });
  });

  it('lets a native thinkingConfig win, and refuses models that cannot think or cannot be told', async () => {
    const key = await setup();
    const native = await sent(key, {
      model: 'gemini/gemini-2.5-flash',
      reasoning_effort: 'high',
      generationConfig: { thinkingConfig: { thinkingBudget: 512 } },
    });
    expect(native.generationConfig).toEqual({ thinkingConfig: { thinkingBudget: 512 } });
    for (const model of ['gemini-2.0-flash', 'gemini-flash-latest']) {
      const error = await refused(key, { model: `gemini/${model}`, reasoning_effort: 'low' });
      expect(error.param, model).toBe('reasoning_effort');
    }
    const response = await chat(key, { model: 'flash2-or-mock', messages: hello, reasoning_effort: 'low' });
    expect(response.headers.get('x-tollgate-provider')).toBe('mock');
    const none = await sent(key, { model: 'gemini/gemini-2.0-flash', reasoning_effort: 'none' });
    expect(none).not.toHaveProperty('generationConfig');
  });
});
