// Namespace tools of a /v1/responses request (OpenAI's NamespaceToolParam: function and custom tools
// grouped under a name — Codex's multi_agent tools come so) as the flat tools chat has, and the
// namespace a call of one of them answers with. Inside a namespace OpenAI's models call a tool by its
// own name, the namespace going beside it (a function_call item's `namespace`): the chat tool keeps
// that bare name, so what a model is told and calls is the same on every provider, and a name two
// tools would share is refused (chat has no namespaces to tell them apart by).
import * as z from 'zod';
import { invalidRequest } from '../errors';
import { isRecord } from '../json-record';
import { checked, paramPath } from './read-body';

type Json = Record<string, unknown>;

const namespaceTool = z.looseObject({
  type: z.literal('namespace'),
  name: z.string().min(1).max(64),
  // Required by OpenAI's schema; a client that leaves it out loses nothing the model needs.
  description: z.string().nullish(),
  tools: z.array(z.looseObject({ type: z.enum(['function', 'custom']) })).min(1),
});

/** A tool as chat gets it, with where the request holds it (what a refusal names). */
export interface FlatTool {
  tool: Json;
  at: (string | number)[];
  namespace?: string;
}

/**
 * The request's tools with each namespace's tools in its place, checked as far as namespaces go
 * (each tool is checked by its kind's translation). The namespace's description, which OpenAI shows
 * the model, leads each of its tools' descriptions: chat has nowhere else to put it. `distinct`:
 * refuse a namespaced tool's name another tool has — not for a request OpenAI gets as written
 * (hosted tools), whose namespaces tell such tools apart, the chat body only what the gateway scans.
 */
export function flatTools(tools: readonly Json[], distinct = true): FlatTool[] {
  const flat: FlatTool[] = [];
  const owners = new Map<string, string | undefined>();
  for (const [index, tool] of tools.entries()) {
    if (tool.type !== 'namespace') {
      // A hosted tool has no name; a function's own check refuses one without.
      const name = distinct && typeof tool.name === 'string' ? tool.name : undefined;
      const owner = name === undefined ? undefined : owners.get(name);
      if (name !== undefined && owner !== undefined) throw clash(['tools', index], name, undefined, owner);
      if (name !== undefined && !owners.has(name)) owners.set(name, undefined);
      flat.push({ tool, at: ['tools', index] });
      continue;
    }
    const space = checked(namespaceTool, tool, ['tools', index]);
    for (const [inner, member] of space.tools.entries()) {
      const at = ['tools', index, 'tools', inner];
      // One with no name (or not a string) is refused by its kind's check, naming it.
      const name = distinct && typeof member.name === 'string' ? member.name : undefined;
      if (name !== undefined && owners.has(name)) throw clash(at, name, space.name, owners.get(name));
      if (name !== undefined) owners.set(name, space.name);
      const said = [space.description, member.description].filter((text) => typeof text === 'string' && text);
      flat.push({
        tool: said.length > 0 ? { ...member, description: said.join('\n\n') } : member,
        at,
        namespace: space.name,
      });
    }
  }
  return flat;
}

/**
 * Where the client put each chat tool (`tools[4].tools[1]`), by its index in the chat body; undefined
 * when no namespace moved any (each chat tool is then where the client put it).
 */
export function toolPlaces(flat: readonly FlatTool[]): string[] | undefined {
  if (!flat.some((tool) => tool.namespace !== undefined)) return undefined;
  return flat.map(({ at }) => paramPath(at) ?? 'tools');
}

const CHAT_TOOL = /^tools\[(\d+)\]/;

/**
 * An error's place naming a chat tool (`tools[5]`, the chat body's: the gateway's own refusal after
 * translation, or its provider's) as the client's tool (`tools[4].tools[1]`); as it is otherwise.
 */
export function ownToolPlace(
  places: readonly string[] | undefined,
  place: { param: string; message: string },
): { param: string; message: string } {
  const match = places ? CHAT_TOOL.exec(place.param) : null;
  const own = match ? places?.[Number(match[1])] : undefined;
  if (!match || own === undefined) return place;
  const chat = match[0];
  return {
    param: `${own}${place.param.slice(chat.length)}`,
    // Not inside another path (`tool_choice.tools[5]`, `input[2].tools[5]`).
    message: place.message.replace(
      new RegExp(`(?<![\\w.\\]])${chat.replace(/[[\]]/g, '\\$&')}`, 'g'),
      () => own,
    ),
  };
}

/** Each namespaced tool's name → its namespace: what a call of it answers with. */
export function namespacesOf(tools: readonly Json[] | null | undefined): Map<string, string> {
  const names = new Map<string, string>();
  for (const tool of tools ?? []) {
    if (tool.type !== 'namespace' || typeof tool.name !== 'string' || !Array.isArray(tool.tools)) continue;
    for (const member of tool.tools)
      if (isRecord(member) && typeof member.name === 'string') names.set(member.name, tool.name);
  }
  return names;
}

function clash(at: (string | number)[], name: string, namespace?: string, other?: string) {
  const param = `${paramPath(at)}.name`;
  const where = (space?: string) => (space === undefined ? 'a tool of its own' : `namespace '${space}'`);
  return invalidRequest(
    `Invalid '${param}': '${name}' in ${where(namespace)} is also the name of a tool in ${where(other)}; the gateway gives a namespace's tools to the model by their own names, so they must differ from every other tool's.`,
    param,
  );
}
