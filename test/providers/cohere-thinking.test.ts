// reasoning_effort to Cohere's thinking (src/providers/cohere-thinking.ts), through the whole Worker:
// the budget within the cap, what wins over it, what is refused and passed on, the reserved cap.
import { describe, expect, it } from 'vitest';
import { chat } from '../helpers/gateway';
import { EFFORT_BUDGETS, hello, refused, sent, setup } from '../helpers/reasoning-gateway';

describe('reasoning_effort to Cohere', () => {
  const REASONING = 'cohere/command-a-reasoning-08-2025';

  it("maps to Command A Reasoning's thinking: a token_budget, none disabled", async () => {
    const key = await setup();
    for (const [effort, budget] of EFFORT_BUDGETS) {
      const body = await sent(key, { model: REASONING, reasoning_effort: effort });
      expect(body.thinking, effort).toEqual({ type: 'enabled', token_budget: budget });
      expect(body).not.toHaveProperty('reasoning_effort');
      expect(body).not.toHaveProperty('max_tokens');
    }
    // It thinks by default, without limit: none turns that off.
    expect((await sent(key, { model: REASONING, reasoning_effort: 'none' })).thinking).toEqual({
      type: 'disabled',
    });
    // Cohere counts thinking within max_tokens: the budget is no more than the cap.
    const capped = await sent(key, {
      model: REASONING,
      reasoning_effort: 'high',
      max_completion_tokens: 3000,
    });
    expect(capped).toMatchObject({ max_tokens: 3000, thinking: { type: 'enabled', token_budget: 3000 } });
  });

  it("lets the client's own thinking win, and passes a model that cannot think to the next target", async () => {
    const key = await setup();
    const thinking = { type: 'enabled', token_budget: 500 };
    const own = await sent(key, { model: REASONING, reasoning_effort: 'high', thinking });
    expect(own.thinking).toEqual(thinking);
    for (const effort of ['low', 'none']) {
      const error = await refused(key, { model: 'cohere/command-a-03-2025', reasoning_effort: effort });
      expect(error.param, effort).toBe('reasoning_effort');
    }
    const error = await refused(key, { model: REASONING, reasoning_effort: 'extreme' });
    expect(error.param).toBe('reasoning_effort');
    const response = await chat(key, { model: 'command-or-mock', messages: hello, reasoning_effort: 'low' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('mock');
  });

  it("with limits.enforceMaxTokens, sends the cap the reservation counted, a native token_budget's too", async () => {
    const key = await setup({ defaultMaxTokens: 300, enforceMaxTokens: true });
    const effort = await sent(key, { model: REASONING, reasoning_effort: 'medium' });
    expect(effort).toMatchObject({
      max_tokens: 300 + 8192,
      thinking: { type: 'enabled', token_budget: 8192 },
    });
    // Cohere's own thinking budget is reserved as Anthropic's budget_tokens is.
    const native = await sent(key, { model: REASONING, thinking: { type: 'enabled', token_budget: 5000 } });
    expect(native).toMatchObject({
      max_tokens: 300 + 5000,
      thinking: { type: 'enabled', token_budget: 5000 },
    });
  });
});
