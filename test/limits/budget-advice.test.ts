// A budget refusal's advice names what most of the request's worst case comes from: max_tokens, or
// the provider's tools' calls (max_tool_calls on /v1/responses, max_uses on /v1/messages) when their
// fees are half of it or more.
import { describe, expect, it } from 'vitest';
import type { ReservedToolFees } from '../../src/limits/admission';
import { refusal } from '../../src/limits/refusal';

const over = {
  ok: false as const,
  reason: 'budget_exceeded' as const,
  budgetUsd: 0.05,
  spentUsd: 0.01,
  reservedUsd: 0,
  leasedUsd: 0,
  resetAt: null,
};

const hosted = (usd: number, calls: number, bounded: boolean): ReservedToolFees => ({
  api: 'responses',
  usd,
  calls,
  bounded,
});
const server = (usd: number, calls: number, bounded: boolean): ReservedToolFees => ({
  api: 'messages',
  usd,
  calls,
  bounded,
});

/** What the refusal says after its standing: the advice. */
function advice(costUsd: number, toolFees?: ReservedToolFees, resetAt: number | null = null): string {
  const error = refusal({ ...over, resetAt }, { model: 'web', costUsd, toolFees }, 'key', undefined);
  expect(error.status).toBe(402);
  expect(error.code).toBe('budget_exceeded');
  expect(error.message).toContain(`could cost up to $${costUsd},`);
  return error.message.slice(error.message.indexOf('). ') + 3);
}

describe('budget refusal advice', () => {
  it('asks for a lower max_tokens when no tool fees are in the worst case', () => {
    expect(advice(0.2)).toBe('Lower max_tokens or raise the budget.');
    expect(advice(0.2, hosted(0, 0, false))).toBe('Lower max_tokens or raise the budget.');
  });

  it('asks for max_tool_calls, not max_tokens, when unbounded hosted tool calls are most of it', () => {
    expect(advice(0.1012, hosted(0.1, 10, false))).toBe(
      "Of that, $0.1 is its hosted tools' fees for 10 calls (as reserved for a request without max_tool_calls): set max_tool_calls or raise the budget.",
    );
  });

  it('asks for a lower max_tool_calls when its bounded calls are half of it', () => {
    expect(advice(0.06, hosted(0.03, 3, true))).toBe(
      "Of that, $0.03 is its hosted tools' fees for 3 calls (as its max_tool_calls allows): lower max_tool_calls or raise the budget.",
    );
  });

  it("asks for the tool's max_uses on /v1/messages when server tool searches are most of it", () => {
    expect(advice(0.1004, server(0.1, 10, false))).toBe(
      "Of that, $0.1 is its server tools' fees for 10 web searches (as reserved for a web search tool without max_uses): set the tool's max_uses or raise the budget.",
    );
    expect(advice(0.0105, server(0.01, 1, true))).toBe(
      "Of that, $0.01 is its server tools' fees for 1 web search (as its web search tool's max_uses allows): lower the tool's max_uses or raise the budget.",
    );
  });

  it('leads with max_tokens when the tokens are most of it, naming the fees beside', () => {
    expect(advice(0.5, hosted(0.01, 1, true))).toBe(
      "Lower max_tokens (of that, $0.01 is its hosted tools' fees for 1 call, which max_tool_calls bounds) or raise the budget.",
    );
    expect(advice(0.5, server(0.08, 8, true))).toBe(
      "Lower max_tokens (of that, $0.08 is its server tools' fees for 8 web searches, which the tool's max_uses bounds) or raise the budget.",
    );
  });

  it("names the output cap as the client's API names it", () => {
    const named = (outputField: 'max_output_tokens' | 'max_completion_tokens', toolFees?: ReservedToolFees) =>
      refusal(over, { model: 'web', costUsd: 0.5, outputField, toolFees }, 'key', undefined).message;
    expect(named('max_output_tokens')).toContain('). Lower max_output_tokens or raise the budget.');
    expect(named('max_completion_tokens')).toContain('). Lower max_completion_tokens or raise the budget.');
    expect(named('max_output_tokens', hosted(0.01, 1, true))).toContain(
      "). Lower max_output_tokens (of that, $0.01 is its hosted tools' fees for 1 call, which max_tool_calls bounds)",
    );
  });

  it('tells when the budget resets after the advice', () => {
    expect(advice(0.2, undefined, Date.UTC(2030, 0, 1))).toBe(
      'Lower max_tokens or raise the budget. The budget resets at 2030-01-01T00:00:00.000Z.',
    );
  });
});
