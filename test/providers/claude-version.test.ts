// What a Claude model id says about the requests the model takes.
import { describe, expect, it } from 'vitest';
import {
  claudeFamily,
  claudeSampling,
  claudeVersion,
  prefillRefusal,
  refusesForcedTools,
  takesSystemMessages,
} from '../../src/providers/claude-version';

describe('claude-version', () => {
  it('reads the version and family from Anthropic, Bedrock and Vertex ids', () => {
    expect(claudeVersion('claude-3-7-sonnet-20250219')).toBe(37);
    expect(claudeVersion('us.anthropic.claude-opus-5-5-v1:0')).toBe(55);
    expect(claudeVersion('claude-fable-5-1@20261101')).toBe(51);
    expect(claudeFamily('claude-fable-5-1')).toBe('fable');
    expect(claudeFamily('claude-3-5-sonnet')).toBeUndefined();
  });

  it('knows which models refuse a forced tool, a prefill, or take mid-conversation system messages', () => {
    expect(['claude-opus-5-5', 'claude-sonnet-5-5', 'claude-fable-5'].map(refusesForcedTools)).toEqual([
      true,
      true,
      true,
    ]);
    expect(['claude-opus-5', 'claude-haiku-5-5', 'claude-sonnet-4-5'].map(refusesForcedTools)).toEqual([
      false,
      false,
      false,
    ]);
    expect(prefillRefusal('claude-sonnet-4-5')).toBeUndefined();
    expect(prefillRefusal('claude-opus-4-6')).toContain('no prefill');
    // Opus 4.8 was the first; Sonnet 5, which sources disagree on, is left out.
    expect(
      ['claude-opus-4-7', 'claude-opus-4-8', 'claude-sonnet-5', 'claude-sonnet-5-5', 'claude-haiku-5-5'].map(
        takesSystemMessages,
      ),
    ).toEqual([false, true, false, true, true]);
  });

  it("gives Claude Mythos Preview, whose id names no version, Mythos's refusals at 4.7", () => {
    for (const model of [
      'claude-mythos-preview',
      'us.anthropic.claude-mythos-preview',
      'claude-mythos-preview@20260407',
    ]) {
      expect(claudeVersion(model), model).toBe(47);
      expect(claudeFamily(model), model).toBe('mythos');
      expect(refusesForcedTools(model), model).toBe(true);
      expect(prefillRefusal(model), model).toContain('no prefill');
      expect(() => claudeSampling(model, { temperature: 0.5 }, undefined), model).toThrow(/temperature/);
      expect(claudeSampling(model, { temperature: 1 }, undefined), model).toEqual({});
      // Mid-conversation system messages came after it (Opus 4.8): its go to the top-level system.
      expect(takesSystemMessages(model), model).toBe(false);
    }
    expect(claudeVersion('claude-mythos-5')).toBe(50);
  });
});
