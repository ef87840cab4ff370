// POST /v1/responses — OpenAI's Responses API, as a translation around the chat route
// (chat-translation.ts); one with OpenAI's hosted tools goes to OpenAI as it is (responses-hosted.ts).
// Answers are stored for `previous_response_id` (src/responses-store/); GET and DELETE of one are
// responses-stored.ts.
// Refusals and failures are OpenAI's error shape already, the same on both APIs: they pass as they
// are, a `param` the chat body named renamed as the request named it (responsesParam).
import { completionToResponse, responseIds } from '../openai/responses-answer';
import { carriedEventStream } from '../openai/responses-carried';
import { ownToolPlace } from '../openai/responses-namespaces';
import { responsesParam, translateRequest } from '../openai/responses-request';
import { responsesEventStream } from '../openai/responses-stream';
import { withStoredItems } from '../responses-store/continuation';
import { ownPlace } from '../responses-store/item-positions';
import { keeping } from '../responses-store/keeping';
import { chatTranslation } from './chat-translation';

export const responsesApi = () =>
  chatTranslation({
    api: 'responses',
    resolve: withStoredItems,
    // A tool of a namespace as the client nested it; an input item as the client sent it.
    ownPlace: (c, place) => ownPlace(c, ownToolPlace(c.get('toolPlaces'), place)),
    request: translateRequest,
    answered: keeping,
    answer: (request, completion, requestId) =>
      completionToResponse(request, completion, responseIds(requestId)),
    stream: (request, requestId, _estimate, done) =>
      responsesEventStream(request, responseIds(requestId), done),
    nativeStream: carriedEventStream,
    // Each reasoning item done, with its signed thinking, before the text or call after it starts.
    thinkingAsSigned: true,
    reasoningSummary: (request) => request.reasoning?.summary ?? undefined,
    // Never sent on (the chat body leaves it out; hosted tools go with store: false), yet asked for:
    // the gateway stores the answer itself (keeping).
    // A conversation named is one kept and extended: refused to a zero-retention key, as `store: true` is.
    storeAsked: (request) =>
      request.conversation != null ? 'conversation' : request.store === true ? 'store' : undefined,
    errorParam: responsesParam,
  });
