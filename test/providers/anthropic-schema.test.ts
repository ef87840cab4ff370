// JSON Schema converted for Anthropic's structured outputs (src/providers/anthropic-schema.ts):
// objects closed, oneOf as anyOf, unenforced constraints told in the description, definitions
// kept when they resolve without a cycle.
import { describe, expect, it } from 'vitest';
import { anthropicSchema } from '../../src/providers/anthropic-schema';

describe('anthropicSchema', () => {
  it('closes every object, takes oneOf as anyOf and tells the model the constraints Anthropic does not enforce', () => {
    const converted = anthropicSchema({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        name: { type: 'string', description: 'Full name', minLength: 1, maxLength: 80 },
        age: { type: 'integer', minimum: 0 },
        email: { type: 'string', format: 'email' },
        code: { type: 'string', format: 'iban', pattern: '^[A-Z]{2}' },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 5 },
        many: { type: 'array', items: { $ref: '#/$defs/item' }, minItems: 2 },
        pet: { oneOf: [{ type: 'object', properties: { bark: { type: 'boolean' } } }, { type: 'null' }] },
        kind: { enum: ['a', 'b', null] },
      },
      required: ['name'],
      $defs: { item: { properties: { id: { type: 'string' } }, required: ['id'] } },
    });
    expect(converted).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string', description: 'Full name\n\n{minLength: 1, maxLength: 80}' },
        age: { type: 'integer', description: '{minimum: 0}' },
        email: { type: 'string', format: 'email' },
        code: { type: 'string', description: '{format: "iban", pattern: "^[A-Z]{2}"}' },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1, description: '{maxItems: 5}' },
        many: { type: 'array', items: { $ref: '#/$defs/item' }, description: '{minItems: 2}' },
        pet: {
          anyOf: [
            { type: 'object', properties: { bark: { type: 'boolean' } }, additionalProperties: false },
            { type: 'null' },
          ],
        },
        kind: { enum: ['a', 'b', null] },
      },
      required: ['name'],
      additionalProperties: false,
      $defs: {
        item: {
          type: 'object',
          properties: { id: { type: 'string' } },
          required: ['id'],
          additionalProperties: false,
        },
      },
    });
  });

  it('keeps a property named __proto__ as a property', () => {
    const converted = anthropicSchema(
      JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"}},"required":["__proto__"]}'),
    );
    expect(Object.hasOwn(converted!.properties as object, '__proto__')).toBe(true);
    expect(JSON.stringify(converted)).toContain('"__proto__":{"type":"string"}');
  });

  it('takes a definition referenced from several places, and definitions referencing each other without a cycle', () => {
    const converted = anthropicSchema({
      type: 'object',
      properties: { a: { $ref: '#/definitions/a' }, b: { $ref: '#/definitions/b' } },
      required: ['a', 'b'],
      definitions: {
        a: { type: 'object', properties: { b: { $ref: '#/definitions/b' } }, required: ['b'] },
        b: { type: 'string' },
      },
    });
    expect(converted?.definitions).toMatchObject({
      a: { additionalProperties: false },
      b: { type: 'string' },
    });
    const cycle = anthropicSchema({
      type: 'object',
      properties: { a: { $ref: '#/$defs/a' } },
      $defs: { a: { anyOf: [{ $ref: '#/$defs/b' }] }, b: { type: 'array', items: { $ref: '#/$defs/a' } } },
    });
    expect(cycle).toBeUndefined();
  });
});
