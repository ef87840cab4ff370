// Node side (vitest.config.ts): pulls the response schemas Tollgate is held to out of OpenAI's
// published OpenAPI file, with every schema they reference, as one JSON Schema document.
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';

export const CHECKED_SCHEMAS = [
  'CreateChatCompletionResponse',
  'CreateChatCompletionStreamResponse',
  'CreateEmbeddingResponse',
  'ImagesResponse',
  'ListModelsResponse',
  'ErrorResponse',
  'Response',
  'ResponseStreamEvent',
  'ResponseItemList',
  'ConversationResource',
  'ConversationItemList',
  'DeletedConversationResource',
] as const;

type Schema = Record<string, unknown>;
const REF = '#/components/schemas/';

/** OpenAPI 3.0's `nullable: true` means "or null"; JSON Schema says it with anyOf. */
function normalise(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalise);
  if (!node || typeof node !== 'object') return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node as Schema)) {
    if (key === '$ref' && typeof value === 'string' && value.startsWith(REF))
      out.$ref = `#/$defs/${value.slice(REF.length)}`;
    else if (key !== 'nullable') out[key] = normalise(value);
  }
  return (node as Schema).nullable === true ? { anyOf: [out, { type: 'null' }] } : out;
}

function collectRefs(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) for (const item of node) collectRefs(item, into);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node as Schema)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(REF))
        into.add(value.slice(REF.length));
      else collectRefs(value, into);
    }
  }
}

export function extractOpenAISchemas(path: string): { $defs: Record<string, unknown> } | null {
  if (!existsSync(path)) return null;
  const document = parse(readFileSync(path, 'utf8')) as { components: { schemas: Record<string, unknown> } };
  const all = document.components.schemas;
  const needed = new Set<string>(CHECKED_SCHEMAS);
  const queue = [...needed];
  while (queue.length > 0) {
    const name = queue.pop()!;
    const refs = new Set<string>();
    collectRefs(all[name], refs);
    for (const ref of refs) {
      if (!needed.has(ref)) {
        needed.add(ref);
        queue.push(ref);
      }
    }
  }
  const $defs: Record<string, unknown> = {};
  for (const name of needed) $defs[name] = normalise(all[name]);
  return { $defs };
}
