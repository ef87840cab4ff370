// What a Claude model id says about the requests the model takes.
import { describe, expect, it } from 'vitest';
import {
  claudeFamily,
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
});
