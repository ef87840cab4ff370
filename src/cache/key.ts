// Cache keys: a canonical form of everything that shapes the answer, hashed with SHA-256. Pure
// apart from the digest; the same request written with other key order or JSON whitespace (or
// with `null` for an omitted parameter) gets the same key.
import { sha256Hex } from '../auth/gateway-key';
import { ownEntry } from '../config/own-entry';
import { SECRET_FIELDS } from '../config/redact';
import type { ResolvedRoute } from '../config/runtime';
import { isRecord } from '../json-record';
import type { ChatMessage, ChatRequest } from '../openai/schemas';
import { matchingRuleIndex, type RouteRequest } from '../routing/conditions';
import type { RouteConfig, Rule, TargetRef } from '../routing/config-schema';
import { aliasRoute } from '../routing/strategies';

/**
 * Body fields that do not change the answer: who is asking, how it is delivered, and OpenAI's
 * storage/caching hints. Everything else, known to the gateway or not, is part of the key.
 */
const NOT_IN_KEY = new Set([
  'model',
  'stream',
  'stream_options',
  'user',
  'metadata',
  'store',
  'safety_identifier',
  'prompt_cache_key',
  'service_tier',
]);

/** Bumped when the key's recipe changes, so old entries are simply never found again. */
const VERSION = 1;
const MAX_ALIAS_DEPTH = 8;

/** JSON with object keys sorted at every depth; `undefined` dropped as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(value).sort()) {
    const field = (value as Record<string, unknown>)[name];
    if (field !== undefined) out[name] = sortKeys(field);
  }
  return out;
}

/**
 * What the model name resolves to (strategy, targets, rules, with nested aliases expanded), not
 * the name: two aliases of the same target share answers, and re-pointing an alias starts afresh.
 * A conditional route (and each one nested in it) also records which of its rules this request
 * matches (`rule`: its index, or 'default'), judged on the same facts the router uses: requests
 * that the rules send to different targets never share answers. `via` names how a provider is
 * set up (its endpoint, defaults…: see providerSettings), so changing that starts afresh too.
 */
export function routeIdentity(
  route: ResolvedRoute,
  models: Readonly<Record<string, RouteConfig>>,
  request: RouteRequest,
  via: (provider: string) => string | undefined = () => undefined,
): unknown {
  const expand = (targets: readonly TargetRef[], depth: number): unknown[] =>
    targets.map((target) => {
      if (target.alias === undefined) {
        const settings = target.provider === undefined ? undefined : via(target.provider);
        return settings === undefined ? target : { ...target, via: settings };
      }
      // Looked up as the router does (an alias named `toString` is no route).
      const nested = aliasRoute(route, models, target.alias);
      if (!nested || depth >= MAX_ALIAS_DEPTH) return target;
      return { ...target, route: shape(nested, depth + 1) };
    });
  const shape = (r: Pick<RouteConfig, 'strategy' | 'targets' | 'rules'>, depth: number) => ({
    strategy: r.strategy,
    targets: expand(r.targets, depth),
    rules: r.rules?.map((rule) => ({ ...rule, targets: expand(rule.targets, depth) })),
    ...(r.strategy === 'conditional' ? { rule: ruleChoice(r.rules ?? [], request) } : {}),
  });
  return { ...shape(route, 0), providers: route.providers };
}

/** Provider fields that hold secrets or only advertise, and so do not change an answer. */
const NOT_SETTINGS = new Set([...SECRET_FIELDS, 'headers', 'models']);
const settingsMemo = new WeakMap<object, Map<string, string | undefined>>();

/**
 * How each provider is set up, for the cache key: its config without secrets, headers or model
 * list (type, endpoint, API version, region, default max_tokens, safety settings…). Computed
 * once per loaded config.
 */
export function providerSettings(
  providers: Readonly<Record<string, object>>,
): (provider: string) => string | undefined {
  let known = settingsMemo.get(providers);
  if (!known) {
    known = new Map();
    settingsMemo.set(providers, known);
  }
  return (name) => {
    if (known.has(name)) return known.get(name);
    const config = ownEntry(providers, name);
    const settings = config
      ? canonicalJson(
          Object.fromEntries(Object.entries(config).filter(([field]) => !NOT_SETTINGS.has(field))),
        )
      : undefined;
    known.set(name, settings);
    return settings;
  };
}

function ruleChoice(rules: readonly Rule[], request: RouteRequest): number | 'default' {
  const index = matchingRuleIndex(rules, request);
  return index < 0 ? 'default' : index;
}

/** The body without the fields outside the key and without `null`s (OpenAI reads null as omitted). */
function keyedBody(body: ChatRequest): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(body)) {
    if (!NOT_IN_KEY.has(name) && value !== null) out[name] = value;
  }
  // A JSON schema's property order is part of what it asks (models write the fields in that
  // order): the schemas go in as written, not with their keys sorted like the rest.
  const format = body.response_format;
  if (format?.type === 'json_schema' && format.json_schema.schema) {
    out.response_format = {
      ...format,
      json_schema: { ...format.json_schema, schema: asWritten(format.json_schema.schema) },
    };
  }
  if (body.tools) {
    out.tools = body.tools.map((tool) =>
      tool.type === 'function' && tool.function.parameters
        ? { ...tool, function: { ...tool.function, parameters: asWritten(tool.function.parameters) } }
        : tool,
    );
  }
  // The legacy `functions` (a field the schema passes through unchecked) are tools too.
  if (Array.isArray(body.functions)) {
    out.functions = body.functions.map((fn: unknown) =>
      isRecord(fn) && isRecord(fn.parameters) ? { ...fn, parameters: asWritten(fn.parameters) } : fn,
    );
  }
  return out;
}

/** A value kept in its own key order when the key is made canonical (a string is not re-sorted). */
function asWritten(value: unknown): { asWritten: string } {
  return { asWritten: JSON.stringify(value) };
}

export interface CacheKeys {
  /** Names the exact entry (and the semantic vector that points at it). */
  exact: string;
  /** Everything but the final user turn: semantic matches are searched only within it. */
  partition?: string;
  /** The final user turn's text, which the semantic cache embeds. */
  question?: string;
}

/**
 * `embedding` names the model that embeds the question (its provider and model), or is undefined
 * without a semantic cache: vectors of two models are never compared, so it is in the partition.
 */
export async function cacheKeys(
  namespace: string,
  route: unknown,
  body: ChatRequest,
  embedding: string | undefined,
): Promise<CacheKeys> {
  const request = keyedBody(body);
  const exact = await sha256Hex(canonicalJson({ v: VERSION, namespace, route, request }));
  if (embedding === undefined) return { exact };
  const question = finalUserText(body.messages);
  if (question === undefined) return { exact };
  // The last message is replaced by a marker keeping its other fields (e.g. `name`).
  const messages = [...body.messages.slice(0, -1), { ...body.messages.at(-1), content: null }];
  const partition = await sha256Hex(
    canonicalJson({
      v: VERSION,
      semantic: true,
      embedding,
      namespace,
      route,
      request: { ...request, messages },
    }),
  );
  return { exact, partition, question };
}

/** The text of the last message when it is a user turn made only of text; otherwise no semantic key. */
export function finalUserText(messages: readonly ChatMessage[]): string | undefined {
  const last = messages.at(-1);
  if (last?.role !== 'user') return undefined;
  if (typeof last.content === 'string') return last.content.trim() || undefined;
  const texts: string[] = [];
  for (const part of last.content) {
    if (part.type !== 'text') return undefined;
    texts.push(part.text);
  }
  return texts.join('\n').trim() || undefined;
}
