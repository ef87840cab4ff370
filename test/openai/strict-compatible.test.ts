import { describe, expect, it } from 'vitest';
import { strictCompatible } from '../../src/openai/strict-compatible';

type Json = Record<string, unknown>;

/** A closed object requiring every property, as strict mode wants. */
function closed(properties: Json, extra: Json = {}): Json {
  return {
    type: 'object',
    properties,
    required: Object.keys(properties),
    additionalProperties: false,
    ...extra,
  };
}

describe('strictCompatible', () => {
  it('takes a closed object with every property required, nullable types, enums, arrays and anyOf', () => {
    const schema = closed(
      {
        city: { type: 'string', description: 'City name', title: 'City' },
        unit: { type: ['string', 'null'], enum: ['C', 'F', null] },
        days: { type: 'integer', const: 3 },
        tags: { type: 'array', items: { type: 'string' } },
        place: { anyOf: [closed({ lat: { type: 'number' } }), { type: 'null' }] },
      },
      { description: 'Weather' },
    );
    expect(strictCompatible(schema)).toBe(true);
    expect(strictCompatible(closed({}))).toBe(true);
  });

  it('takes $ref to root definitions, recursion included', () => {
    const schema = closed(
      { steps: { type: 'array', items: { $ref: '#/$defs/step' } }, tree: { $ref: '#/definitions/node' } },
      {
        $defs: { step: closed({ text: { type: 'string' } }) },
        definitions: { node: closed({ children: { type: 'array', items: { $ref: '#/definitions/node' } } }) },
      },
    );
    expect(strictCompatible(schema)).toBe(true);
    expect(strictCompatible(closed({ child: { anyOf: [{ $ref: '#' }, { type: 'null' }] } }))).toBe(true);
  });

  it.each([
    ['an open object', { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }],
    [
      'an optional property',
      { ...closed({ a: { type: 'string' }, b: { type: 'string' } }), required: ['a'] },
    ],
    ['a required name with no property', { ...closed({ a: { type: 'string' } }), required: ['a', 'b'] }],
    ['a nested open object', closed({ o: { type: 'object', properties: {}, required: [] } })],
    ['no properties', { type: 'object', required: [], additionalProperties: false }],
    ['no required list', { type: 'object', properties: {}, additionalProperties: false }],
    ['an array root', { type: 'array', items: { type: 'string' } }],
    ['an anyOf root', { anyOf: [closed({})] }],
    ['a pattern', closed({ a: { type: 'string', pattern: '^a' } })],
    ['a format', closed({ a: { type: 'string', format: 'email' } })],
    ['a minimum', closed({ a: { type: 'number', minimum: 0 } })],
    ['minItems', closed({ a: { type: 'array', items: { type: 'string' }, minItems: 1 } })],
    ['a default', closed({ a: { type: 'string', default: 'x' } })],
    ['oneOf', closed({ a: { oneOf: [{ type: 'string' }] } })],
    ['allOf', closed({ a: { allOf: [{ type: 'string' }] } })],
    ['$schema', closed({}, { $schema: 'http://json-schema.org/draft-07/schema#' })],
    ['a property with no type', closed({ a: { description: 'anything' } })],
    ['a tuple', closed({ a: { type: 'array', items: [{ type: 'string' }] } })],
    ['an object in a type list', closed({ a: { type: ['object', 'null'] } })],
    ['an enum value of another type', closed({ a: { type: 'string', enum: [1] } })],
    ['a $ref beside other keywords', closed({ a: { $ref: '#', description: 'x' } })],
    ['a $ref to nothing', closed({ a: { $ref: '#/$defs/missing' } })],
    ['an external $ref', closed({ a: { $ref: 'https://example.com/s.json' } })],
    ['$defs below the root', closed({ a: closed({}, { $defs: {} }) })],
    ['a definition that does not fit', closed({}, { $defs: { unused: { type: 'object' } } })],
  ])('refuses %s', (_, schema) => {
    expect(strictCompatible(schema as Json)).toBe(false);
  });

  it('refuses more than 5 levels of nesting, arrays counted as levels', () => {
    let fits: Json = { type: 'string' };
    for (let level = 0; level < 4; level++) fits = closed({ a: fits });
    expect(strictCompatible(closed({ a: fits }))).toBe(true);
    expect(strictCompatible(closed({ a: closed({ a: fits }) }))).toBe(false);
    expect(strictCompatible(closed({ a: { type: 'array', items: fits } }))).toBe(false);
  });

  it('refuses more than 100 properties, counting each use of a definition', () => {
    const props = (count: number) =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [`p${i}`, { type: 'string' }]));
    expect(strictCompatible(closed(props(100)))).toBe(true);
    expect(strictCompatible(closed(props(101)))).toBe(false);
    const twice = closed(
      { a: { $ref: '#/$defs/d' }, b: { $ref: '#/$defs/d' } },
      { $defs: { d: closed(props(50)) } },
    );
    expect(strictCompatible(twice)).toBe(false);
  });

  it('refuses more than 500 enum values', () => {
    const values = (count: number) => Array.from({ length: count }, (_, i) => `v${i}`);
    expect(strictCompatible(closed({ a: { type: 'string', enum: values(500) } }))).toBe(true);
    expect(strictCompatible(closed({ a: { type: 'string', enum: values(501) } }))).toBe(false);
  });
});
