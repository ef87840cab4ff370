// Namespace tools of a /v1/responses request (OpenAI's NamespaceToolParam: function and custom tools
// grouped under a name — Codex's multi_agent tools come so) as the flat tools chat has, and the
// namespace a call of one of them answers with. Inside a namespace OpenAI's models call a tool by its
// own name, the namespace going beside it (a function_call item's `namespace`): the chat tool keeps
// that bare name, so what a model is told and calls is the same on every provider, and a name two
// tools would share is refused (chat has no namespaces to tell them apart by).
import { z } from 'zod';
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
 * the model, leads each of its tools' descriptions: chat has nowhere else to put it.
 */
export function flatTools(tools: readonly Json[]): FlatTool[] {
  const flat: FlatTool[] = [];
  const owners = new Map<string, string | undefined>();
  for (const [index, tool] of tools.entries()) {
    if (tool.type !== 'namespace') {
      // A hosted tool has no name; a function's own check refuses one without.
      const name = typeof tool.name === 'string' ? tool.name : undefined;
      const owner = name === undefined ? undefined : owners.get(name);
      if (name !== undefined && owner !== undefined) throw clash(['tools', index], name, undefined, owner);
      if (name !== undefined && !owners.has(name)) owners.set(name, undefined);
      flat.push({ tool, at: ['tools', index] });
      continue;
    }
    const space = checked(namespaceTool, tool, ['tools', index]);
    for (const [inner, member] of space.tools.entries()) {
      const at = ['tools', index, 'tools', inner];
      const name = String(member.name);
      if (owners.has(name)) throw clash(at, name, space.name, owners.get(name));
      owners.set(name, space.name);
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
