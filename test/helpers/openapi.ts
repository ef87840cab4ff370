// Asserts that a value validates against one of OpenAI's published response schemas.

import { env } from 'cloudflare:workers';
import { Validator } from '@cfworker/json-schema';
import { expect } from 'vitest';

type Name =
  | 'CreateChatCompletionResponse'
  | 'CreateChatCompletionStreamResponse'
  | 'CreateEmbeddingResponse'
  | 'ImagesResponse'
  | 'ListModelsResponse'
  | 'ErrorResponse'
  | 'Response'
  | 'ResponseStreamEvent'
  | 'ResponseItemList'
  | 'ConversationResource'
  | 'ConversationItemList'
  | 'ConversationItem'
  | 'DeletedConversationResource'
  // Parts of a Responses request, for what the gateway sends upstream.
  | 'CustomToolParam'
  // Its members (in ResponseStreamEvent's extract): each event checked against its own.
  | 'ResponseCreatedEvent'
  | 'ResponseInProgressEvent'
  | 'ResponseCompletedEvent'
  | 'ResponseIncompleteEvent'
  | 'ResponseFailedEvent'
  | 'ResponseOutputItemAddedEvent'
  | 'ResponseOutputItemDoneEvent'
  | 'ResponseContentPartAddedEvent'
  | 'ResponseContentPartDoneEvent'
  | 'ResponseTextDeltaEvent'
  | 'ResponseTextDoneEvent'
  | 'ResponseRefusalDeltaEvent'
  | 'ResponseRefusalDoneEvent'
  | 'ResponseFunctionCallArgumentsDeltaEvent'
  | 'ResponseFunctionCallArgumentsDoneEvent'
  | 'ResponseCustomToolCallInputDeltaEvent'
  | 'ResponseCustomToolCallInputDoneEvent'
  | 'ResponseReasoningSummaryPartAddedEvent'
  | 'ResponseReasoningSummaryPartDoneEvent'
  | 'ResponseReasoningSummaryTextDeltaEvent'
  | 'ResponseReasoningSummaryTextDoneEvent'
  | 'ResponseOutputTextAnnotationAddedEvent'
  | 'ResponseWebSearchCallInProgressEvent'
  | 'ResponseWebSearchCallSearchingEvent'
  | 'ResponseWebSearchCallCompletedEvent'
  | 'ResponseImageGenCallCompletedEvent';

const validators = new Map<Name, Validator>();

/** A Responses stream event against its own schema (the union's errors would not say what is wrong). */
export function expectResponseEvent(event: { type: string }): void {
  const name = EVENT_SCHEMAS[event.type];
  expect(name, `no schema known for ${event.type}`).toBeDefined();
  expectOpenAIShape(name!, event);
  expectOpenAIShape('ResponseStreamEvent', event);
}

const EVENT_SCHEMAS: Record<string, Name> = {
  'response.created': 'ResponseCreatedEvent',
  'response.in_progress': 'ResponseInProgressEvent',
  'response.completed': 'ResponseCompletedEvent',
  'response.incomplete': 'ResponseIncompleteEvent',
  'response.failed': 'ResponseFailedEvent',
  'response.output_item.added': 'ResponseOutputItemAddedEvent',
  'response.output_item.done': 'ResponseOutputItemDoneEvent',
  'response.content_part.added': 'ResponseContentPartAddedEvent',
  'response.content_part.done': 'ResponseContentPartDoneEvent',
  'response.output_text.delta': 'ResponseTextDeltaEvent',
  'response.output_text.done': 'ResponseTextDoneEvent',
  'response.refusal.delta': 'ResponseRefusalDeltaEvent',
  'response.refusal.done': 'ResponseRefusalDoneEvent',
  'response.function_call_arguments.delta': 'ResponseFunctionCallArgumentsDeltaEvent',
  'response.function_call_arguments.done': 'ResponseFunctionCallArgumentsDoneEvent',
  'response.custom_tool_call_input.delta': 'ResponseCustomToolCallInputDeltaEvent',
  'response.custom_tool_call_input.done': 'ResponseCustomToolCallInputDoneEvent',
  'response.reasoning_summary_part.added': 'ResponseReasoningSummaryPartAddedEvent',
  'response.reasoning_summary_part.done': 'ResponseReasoningSummaryPartDoneEvent',
  'response.reasoning_summary_text.delta': 'ResponseReasoningSummaryTextDeltaEvent',
  'response.reasoning_summary_text.done': 'ResponseReasoningSummaryTextDoneEvent',
  'response.output_text.annotation.added': 'ResponseOutputTextAnnotationAddedEvent',
  'response.web_search_call.in_progress': 'ResponseWebSearchCallInProgressEvent',
  'response.web_search_call.searching': 'ResponseWebSearchCallSearchingEvent',
  'response.web_search_call.completed': 'ResponseWebSearchCallCompletedEvent',
  'response.image_generation_call.completed': 'ResponseImageGenCallCompletedEvent',
};

export function expectOpenAIShape(name: Name, value: unknown): void {
  let validator = validators.get(name);
  if (!validator) {
    validator = new Validator({ $ref: `#/$defs/${name}`, $defs: env.OPENAI_SCHEMAS.$defs }, '2020-12', false);
    validators.set(name, validator);
  }
  const result = validator.validate(wellFormed(value));
  const problems = result.errors.map((e) => `${e.instanceLocation}: ${e.error}`).slice(0, 8);
  expect(
    result.valid,
    `${name} violations:\n${problems.join('\n')}\n${JSON.stringify(value).slice(0, 600)}`,
  ).toBe(true);
}

/** A lone surrogate: half of a UTF-16 pair without its other half. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `value` with lone surrogates in its keys and strings replaced by U+FFFD. The validator names an
 * error's place by a URI-encoded pointer, and encodeURIComponent throws (URIError) on a key holding
 * one, which a gateway echoing a fuzzed key (Responses' `metadata`) may rightly hold: JSON.stringify
 * escapes it, and no schema constrains a string's code units.
 */
function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(LONE_SURROGATE, '\uFFFD');
  if (Array.isArray(value)) return value.map(wellFormed);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key.replace(LONE_SURROGATE, '\uFFFD'), wellFormed(inner)]),
  );
}

/** Parses a Responses SSE body into its events, checking each frame's `event:` names its `type`. */
export function responseEvents(text: string): { type: string; [field: string]: unknown }[] {
  return text
    .split('\n\n')
    .filter((frame) => frame.trim() !== '')
    .map((frame) => {
      const [eventLine, dataLine, ...rest] = frame.split('\n');
      expect(rest).toEqual([]);
      const data = JSON.parse(dataLine!.replace(/^data: /, ''));
      expect(eventLine).toBe(`event: ${data.type}`);
      return data;
    });
}

/** Parses an SSE body into its data payloads (without the final [DONE]). */
export function sseEvents(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((frame) => frame.startsWith('data: ') && frame !== 'data: [DONE]')
    .map((frame) => JSON.parse(frame.slice(6)));
}
