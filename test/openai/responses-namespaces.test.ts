// A Responses request's namespace tools as the flat tools chat gets, and the namespace a call of one answers with.
import { describe, expect, it } from 'vitest';
import { flatTools, namespacesOf, ownToolPlace, toolPlaces } from '../../src/openai/responses-namespaces';

const lookup = { type: 'function', name: 'lookup', description: 'Finds a customer.' };
const note = { type: 'custom', name: 'note' };
const crm = { type: 'namespace', name: 'crm', description: 'The CRM.', tools: [lookup, note] };
const own = { type: 'function', name: 'shell' };

describe('flatTools', () => {
  it("puts a namespace's tools in its place, the namespace's description leading theirs", () => {
    expect(flatTools([own, crm])).toEqual([
      { tool: own, at: ['tools', 0] },
      {
        tool: { ...lookup, description: 'The CRM.\n\nFinds a customer.' },
        at: ['tools', 1, 'tools', 0],
        namespace: 'crm',
      },
      { tool: { ...note, description: 'The CRM.' }, at: ['tools', 1, 'tools', 1], namespace: 'crm' },
    ]);
  });

  it("keeps a tool's own description when the namespace has none", () => {
    const [flat] = flatTools([{ ...crm, description: undefined, tools: [lookup] }]);
    expect(flat!.tool).toEqual(lookup);
  });

  it('leaves tools of their own sharing a name as they were', () => {
    expect(flatTools([own, own])).toHaveLength(2);
  });

  it('refuses a namespaced name another tool has, unless told the names need not differ', () => {
    const billing = { ...crm, name: 'billing' };
    expect(() => flatTools([crm, billing])).toThrow(/must differ/);
    expect(flatTools([crm, billing], false)).toHaveLength(4);
  });
});

describe('namespacesOf', () => {
  it('maps each namespaced tool to its namespace, and no other', () => {
    expect(namespacesOf([own, crm])).toEqual(
      new Map([
        ['lookup', 'crm'],
        ['note', 'crm'],
      ]),
    );
    expect(namespacesOf(undefined).size).toBe(0);
  });
});

describe('ownToolPlace', () => {
  const places = toolPlaces(flatTools([own, crm]));

  it('names a chat tool where the client nested it, in the param and the message', () => {
    expect(places).toEqual(['tools[0]', 'tools[1].tools[0]', 'tools[1].tools[1]']);
    expect(
      ownToolPlace(places, { param: 'tools[2].format', message: "Invalid 'tools[2].custom.format': bad." }),
    ).toEqual({
      param: 'tools[1].tools[1].format',
      message: "Invalid 'tools[1].tools[1].custom.format': bad.",
    });
  });

  it('leaves any other place, and every place of a request with no namespace, as it is', () => {
    const choice = { param: 'tool_choice.tools[2]', message: "'tool_choice.tools[2]' and tools[9]" };
    expect(ownToolPlace(places, choice)).toBe(choice);
    const beyond = { param: 'tools[9].name', message: 'x' };
    expect(ownToolPlace(places, beyond)).toBe(beyond);
    expect(toolPlaces(flatTools([own, own]))).toBeUndefined();
    expect(ownToolPlace(undefined, { param: 'tools[1]', message: 'x' })).toEqual({
      param: 'tools[1]',
      message: 'x',
    });
  });
});
