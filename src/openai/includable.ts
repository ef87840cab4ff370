// `include`: the extra output a Responses request (POST /v1/responses) or a read of stored items (GET
// /v1/responses/{id}, …/input_items, a conversation's items) asks for. Only OpenAI's own values
// (IncludeEnum in its OpenAPI description) are taken, as OpenAI takes only those: a typo is a 400
// naming it, not a request silently answered without what it asked for.
import { invalidRequest } from '../errors';

export const INCLUDABLE: readonly string[] = [
  'file_search_call.results',
  'web_search_call.results',
  'web_search_call.action.sources',
  'message.input_image.image_url',
  'computer_call_output.output.image_url',
  'code_interpreter_call.outputs',
  'reasoning.encrypted_content',
  'message.output_text.logprobs',
];

/** Its query parameter: repeated, or a list as the OpenAI SDK writes it (`include[]=a&include[]=b`). */
export const INCLUDE = ['include', 'include[]'];

/**
 * Refuses the first of `values` OpenAI does not know, in OpenAI's words and code, `param` its place
 * (`include[1]`: in a query, among the values in the order given).
 */
export function checkInclude(values: readonly string[]): void {
  const index = values.findIndex((value) => !INCLUDABLE.includes(value));
  if (index === -1) return;
  const supported = INCLUDABLE.map((value) => `'${value}'`);
  throw invalidRequest(
    `Invalid value: '${values[index]?.slice(0, 100)}'. Supported values are: ${supported.join(', ')}.`,
    `include[${index}]`,
    'invalid_value',
  );
}

/** A query's `include` values (c.req.queries()), checked. */
export function checkIncludeQuery(queries: Record<string, string[]>): void {
  checkInclude(INCLUDE.flatMap((name) => queries[name] ?? []));
}
