import { describe, expect, test } from 'bun:test';
import { cleanSchemaForGemini, jsonSchemaFromGemini } from '../../../../src/relay/dialects/gemini/schema.ts';
import { lightDeclaration } from './fixtures.ts';

describe('cleanSchemaForGemini', () => {
  test('a schema already in Gemini form is unchanged', () => {
    expect(cleanSchemaForGemini(lightDeclaration.parameters)).toEqual(lightDeclaration.parameters);
  });

  test('drops $schema, additionalProperties, default, examples, exclusive bounds and unknown keywords, at every depth', () => {
    const schema = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      $id: 'https://example.com/weather',
      type: 'object',
      additionalProperties: false,
      properties: {
        location: { type: 'string', description: 'City and state', default: 'Boston, MA', examples: ['Paris'], minLength: 2 },
        days: { type: 'integer', exclusiveMinimum: 0, exclusiveMaximum: 15, minimum: 1, maximum: 14, multipleOf: 1 },
        filters: {
          type: 'array',
          uniqueItems: true,
          items: { type: 'object', additionalProperties: { type: 'string' }, properties: { key: { type: 'string', default: '' } } },
        },
      },
      required: ['location'],
    };
    expect(cleanSchemaForGemini(schema)).toEqual({
      type: 'object',
      properties: {
        location: { type: 'string', description: 'City and state', minLength: 2 },
        days: { type: 'integer', minimum: 1, maximum: 14 },
        filters: { type: 'array', items: { type: 'object', properties: { key: { type: 'string' } } } },
      },
      required: ['location'],
    });
  });

  test('keeps only the formats Gemini documents', () => {
    const schema = {
      type: 'object',
      properties: {
        when: { type: 'string', format: 'date-time' },
        mail: { type: 'string', format: 'email' },
        site: { type: 'string', format: 'uri' },
        ratio: { type: 'number', format: 'double' },
        count: { type: 'integer', format: 'int64' },
        odd: { type: 'integer', format: 'uint8' },
      },
    };
    expect(cleanSchemaForGemini(schema).properties).toEqual({
      when: { type: 'string', format: 'date-time' },
      mail: { type: 'string' },
      site: { type: 'string' },
      ratio: { type: 'number', format: 'double' },
      count: { type: 'integer', format: 'int64' },
      odd: { type: 'integer' },
    });
  });

  test('const becomes a one-value enum; non-string enums are dropped; null in an enum is nullable', () => {
    const schema = {
      type: 'object',
      properties: {
        kind: { type: 'string', const: 'circle' },
        size: { type: 'integer', enum: [1, 2, 3] },
        unit: { type: ['string', 'null'], enum: ['cm', 'in', null] },
      },
    };
    expect(cleanSchemaForGemini(schema).properties).toEqual({
      kind: { type: 'string', enum: ['circle'] },
      size: { type: 'integer' },
      unit: { type: 'string', nullable: true, enum: ['cm', 'in'] },
    });
  });

  test('type lists and anyOf/oneOf with null become nullable', () => {
    const schema = {
      type: 'object',
      properties: {
        note: { type: ['string', 'null'], description: 'Optional note' },
        age: { anyOf: [{ type: 'integer' }, { type: 'null' }], default: null, title: 'Age' },
        tag: { oneOf: [{ type: 'null' }, { type: 'string', maxLength: 8 }] },
        id: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
        mixed: { type: ['string', 'number'] },
        nothing: { type: 'null' },
      },
    };
    expect(cleanSchemaForGemini(schema).properties).toEqual({
      note: { type: 'string', nullable: true, description: 'Optional note' },
      age: { type: 'integer', title: 'Age', nullable: true },
      tag: { type: 'string', maxLength: 8, nullable: true },
      id: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
      mixed: { anyOf: [{ type: 'string' }, { type: 'number' }] },
      nothing: { type: 'null' },
    });
  });

  test('inlines $defs and definitions references, as Pydantic and zod-to-json-schema write them', () => {
    const pydantic = {
      $defs: {
        Unit: { enum: ['celsius', 'fahrenheit'], title: 'Unit', type: 'string' },
        Location: {
          properties: { city: { title: 'City', type: 'string' }, country: { anyOf: [{ type: 'string' }, { type: 'null' }], default: null } },
          required: ['city'],
          title: 'Location',
          type: 'object',
        },
      },
      properties: {
        location: { $ref: '#/$defs/Location' },
        unit: { allOf: [{ $ref: '#/$defs/Unit' }], default: 'celsius', description: 'Temperature unit' },
        fallback: { anyOf: [{ $ref: '#/definitions/Place' }, { type: 'null' }] },
      },
      definitions: { Place: { type: 'object', properties: { city: { type: 'string' } } } },
      required: ['location'],
      title: 'GetWeather',
      type: 'object',
    };
    expect(cleanSchemaForGemini(pydantic)).toEqual({
      type: 'object',
      title: 'GetWeather',
      properties: {
        location: {
          type: 'object',
          title: 'Location',
          properties: { city: { type: 'string', title: 'City' }, country: { type: 'string', nullable: true } },
          required: ['city'],
        },
        unit: { type: 'string', title: 'Unit', description: 'Temperature unit', enum: ['celsius', 'fahrenheit'] },
        fallback: { type: 'object', properties: { city: { type: 'string' } }, nullable: true },
      },
      required: ['location'],
    });
  });

  test('a recursive reference is cut to its type; an unresolvable one keeps its siblings', () => {
    const tree = {
      $defs: {
        Node: { type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/Node' } } } },
      },
      type: 'object',
      properties: { root: { $ref: '#/$defs/Node' }, self: { $ref: '#', description: 'the whole' }, remote: { $ref: 'https://example.com/s.json', description: 'elsewhere' } },
    };
    expect(cleanSchemaForGemini(tree).properties).toEqual({
      root: { type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: { type: 'object' } } } },
      self: { type: 'object', description: 'the whole' },
      remote: { description: 'elsewhere' },
    });
  });

  test('allOf parts are merged; required names that are not properties are dropped', () => {
    const schema = {
      allOf: [
        { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
        { properties: { b: { type: 'number' } }, required: ['b', 'ghost'] },
      ],
    };
    expect(cleanSchemaForGemini(schema)).toEqual({ type: 'object', properties: { a: { type: 'string' }, b: { type: 'number' } }, required: ['a', 'b'] });
  });

  test('tuple items take their first schema; empty properties and non-objects clean to nothing', () => {
    expect(cleanSchemaForGemini({ type: 'array', items: [{ type: 'number' }, { type: 'string' }] })).toEqual({ type: 'array', items: { type: 'number' } });
    expect(cleanSchemaForGemini({ type: 'object', properties: {}, additionalProperties: false })).toEqual({ type: 'object' });
    expect(cleanSchemaForGemini(true)).toEqual({});
  });
});

describe('jsonSchemaFromGemini', () => {
  test('lower-cases types, turns nullable into a type list, reads int64 strings, drops Gemini-only keywords', () => {
    const schema = {
      type: 'OBJECT',
      properties: {
        recipe_name: { type: 'STRING' },
        ingredients: { type: 'ARRAY', items: { type: 'STRING' }, maxItems: '5' },
        rating: { type: 'INTEGER', format: 'enum', enum: ['1', '2', '3'], nullable: true },
        notes: { anyOf: [{ type: 'STRING' }, { type: 'NUMBER' }], nullable: true, example: 'salt' },
      },
      propertyOrdering: ['recipe_name', 'ingredients'],
      required: ['recipe_name'],
    };
    expect(jsonSchemaFromGemini(schema)).toEqual({
      type: 'object',
      properties: {
        recipe_name: { type: 'string' },
        ingredients: { type: 'array', items: { type: 'string' }, maxItems: 5 },
        rating: { type: ['integer', 'null'], enum: ['1', '2', '3'] },
        notes: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'null' }] },
      },
      required: ['recipe_name'],
    });
  });
});
