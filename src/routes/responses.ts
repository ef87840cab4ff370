// POST /v1/responses — OpenAI's Responses API (stateless), as a translation around the chat route
// (chat-translation.ts); one with OpenAI's hosted tools goes to OpenAI as it is (responses-hosted.ts).
// Refusals and failures are OpenAI's error shape already, the same on both APIs: they pass as they
// are, a `param` the chat body named renamed as the request named it (responsesParam).
import { completionToResponse, responseIds } from '../openai/responses-answer';
import { carriedEventStream } from '../openai/responses-carried';
import { responsesParam, translateRequest } from '../openai/responses-request';
import { responsesEventStream } from '../openai/responses-stream';
import { chatTranslation } from './chat-translation';

export const responsesApi = () =>
  chatTranslation({
    api: 'responses',
    request: translateRequest,
    answer: (request, completion, requestId) =>
      completionToResponse(request, completion, responseIds(requestId)),
    stream: (request, requestId) => responsesEventStream(request, responseIds(requestId)),
    nativeStream: carriedEventStream,
    // Each reasoning item done, with its signed thinking, before the text or call after it starts.
    thinkingAsSigned: true,
    reasoningSummary: (request) => request.reasoning?.summary ?? undefined,
    // Never sent on (the chat body leaves it out; hosted tools go with store: false), yet asked for.
    storeAsked: (request) => request.store === true,
    errorParam: responsesParam,
  });
