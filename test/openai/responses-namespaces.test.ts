// A Responses request's namespace tools as the flat tools chat gets, and the namespace a call of one answers with.
import { describe, expect, it } from 'vitest';
import { flatTools, namespacesOf } from '../../src/openai/responses-namespaces';

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
