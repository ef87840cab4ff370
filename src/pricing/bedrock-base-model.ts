// A Bedrock model id as prices-bedrock.ts names it: without its inference profile's geography and
// without the revision Bedrock appends (`us.amazon.nova-pro-v1:0` → `amazon.nova-pro`).

/**
 * The geography of a cross-Region inference profile (`us.`, `eu.`, `apac.`, `global.`…, GovCloud's
 * `us-gov.` and `ug.`). Listed rather than matched as "any first segment": `deepseek.v3.2` has two
 * dots and no geography.
 */
const GEOGRAPHY = /^(?:us|eu|apac|ap|ca|sa|jp|au|in|ug|us-gov|global)\./;

/**
 * A revision of the same model: `-v1:0`, gpt-oss's `-1:0`, Mixtral's `-v0:1`, a context variant
 * (`-v1:0:300k`), a bare `-v1` (`amazon.titan-text-express-v1`), or a revision alone (`:0`). A later
 * version stays in the name — `amazon.titan-embed-text-v2:0` is another model than its V1, at a
 * fifth of its price — as does every other trailing number (`mistral-large-2407`).
 */
const REVISION = /(?:-v[01](?::\w+)*|-1(?::\w+)+|(?::\w+)+)$/;

/**
 * `id` (the model part of an ARN or a model id, inference profile or not) as the Bedrock table keys
 * it: `us.meta.llama4-maverick-17b-instruct-v1:0` → `meta.llama4-maverick-17b-instruct`,
 * `openai.gpt-oss-120b-1:0` → `openai.gpt-oss-120b`. The vendor stays, so that no id collides with
 * another host's name for a model at another price.
 */
export function bedrockBaseModel(id: string): string {
  return id.replace(GEOGRAPHY, '').replace(REVISION, '');
}
