// Bedrock's Claude models that refuse a forced tool (Opus and Sonnet 5.5, Fable, Mythos) are refused
// it up front, as at Anthropic, so the route's next target may serve the request.
import { describe, expect, it } from 'vitest';
import { chatRequest } from '../../src/openai/schemas';
import { toConverseRequest } from '../../src/providers/bedrock-request';
import { Unsupported } from '../../src/providers/types';

const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }];
const request = (tool_choice: unknown) =>
  chatRequest.parse({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], tools, tool_choice });
const FORCED = ['required', { type: 'function', function: { name: 'lookup' } }];

describe('Bedrock forced tools on the newest Claude models', () => {
  it('refuses a forced tool naming tool_choice on Opus 5.5, Sonnet 5.5 and Fable ids, profiles and ARNs', () => {
    for (const model of [
      'anthropic.claude-opus-5-5-v1:0',
      'us.anthropic.claude-sonnet-5-5-v1:0',
      'global.anthropic.claude-fable-5-1-v1:0',
      'arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.anthropic.claude-opus-5-5-v1:0',
    ]) {
      for (const choice of FORCED) {
        let thrown: unknown;
        try {
          toConverseRequest(request(choice), model);
        } catch (error) {
          thrown = error;
        }
        expect(thrown, model).toBeInstanceOf(Unsupported);
        expect(thrown, model).toMatchObject({ status: 400, param: 'tool_choice' });
      }
      expect(toConverseRequest(request('auto'), model).toolConfig).toMatchObject({
        toolChoice: { auto: {} },
      });
    }
  });

  it('still forces a tool on the models before them, on other families and on ARNs that name none', () => {
    for (const model of [
      'anthropic.claude-opus-5-v1:0',
      'us.anthropic.claude-haiku-5-5-v1:0',
      'anthropic.claude-sonnet-4-5-20250929-v1:0',
      'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3',
      'mistral.mistral-large-2407-v1:0',
    ]) {
      expect(toConverseRequest(request('required'), model).toolConfig, model).toMatchObject({
        toolChoice: { any: {} },
      });
    }
  });
});
