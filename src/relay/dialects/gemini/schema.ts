/**
 * JSON Schema ⇄ Gemini's `Schema` object (an OpenAPI 3.0 subset), for function parameters and structured output.
 *
 * Gemini answers 400 to keywords outside its subset (domain.md breakage 13: `$schema`, `additionalProperties`, …
 * in tools converted from OpenAI or from Claude Code). `cleanSchemaForGemini` therefore keeps only the fields of
 * https://ai.google.dev/api/caching#Schema — type, format, title, description, nullable, enum, properties,
 * required, propertyOrdering, items, anyOf, minimum/maximum, min/maxItems, min/maxLength, min/maxProperties,
 * pattern — and rewrites what has a Gemini equivalent:
 * - `$ref` to `#/$defs/…`, `#/definitions/…` is inlined; a recursive reference (or `#`) is cut to its type
 *   without properties; a reference that cannot be resolved (another document) leaves the sibling keywords only;
 * - `allOf` is merged (properties joined, `required` united), as Pydantic writes `{allOf: [{$ref}]}`;
 * - `anyOf`/`oneOf` with a `{type: "null"}` branch and type lists `["string", "null"]` become `nullable: true`;
 *   one remaining branch is merged into the parent, several stay an `anyOf` (Gemini has no `oneOf`);
 * - `const` becomes a one-value `enum`; enums keep string values only (Gemini's enum is `string[]`);
 * - `format` stays only where Gemini documents it: `enum` and `date-time` for strings, `float`/`double` for
 *   numbers, `int32`/`int64` for integers;
 * - `default`, `examples`, `exclusiveMinimum`/`Maximum`, `additionalProperties`, `$schema`, `$id` and every other
 *   keyword are dropped; `required` names that are not properties are dropped (Gemini rejects them).
 */
import { asRecord, readRecords, readString } from '../json-fields.ts';

type Schema = Record<string, unknown>;

/** Far deeper than any tool schema; stops pathological self-merging `allOf`s. */
const MAX_DEPTH = 32;

const copiedKeywords = [
  'title',
  'description',
  'pattern',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'minProperties',
  'maxProperties',
  'propertyOrdering',
] as const;

const allowedFormats: Readonly<Record<string, readonly string[]>> = {
  string: ['enum', 'date-time'],
  number: ['float', 'double'],
  integer: ['int32', 'int64'],
};

interface Scope {
  readonly definitions: Readonly<Record<string, unknown>>;
  /** Definitions being inlined on the current path (a reference to one of them is recursive). */
  readonly expanding: ReadonlySet<string>;
}

export function cleanSchemaForGemini(schema: unknown): Schema {
  const root = asRecord(schema) ?? {};
  const definitions = { ...asRecord(root.definitions), ...asRecord(root.$defs) };
  return clean(root, { definitions, expanding: new Set(['#']) }, 0);
}

function clean(input: Schema, outer: Scope, depth: number): Schema {
  if (depth > MAX_DEPTH) return {};
  const { schema: expanded, scope } = expandRef(input, outer);
  const schema = mergeAllOf(expanded, scope);
  const branches = [...readRecords(schema.anyOf), ...readRecords(schema.oneOf)];
  if (branches.length === 0) return cleanPlain(schema, scope, depth);
  const { anyOf: _anyOf, oneOf: _oneOf, ...rest } = schema;
  const kept = branches.filter((branch) => !isNullOnly(branch));
  let output: Schema;
  if (kept.length === 1 && kept[0] !== undefined) output = clean({ ...kept[0], ...rest }, scope, depth + 1);
  else if (kept.length === 0) output = cleanPlain({ ...rest, type: 'null' }, scope, depth);
  else output = { ...cleanPlain(rest, scope, depth), anyOf: kept.map((branch) => clean(branch, scope, depth + 1)) };
  if (kept.length < branches.length) output.nullable = true;
  return output;
}

function cleanPlain(schema: Schema, scope: Scope, depth: number): Schema {
  const output: Schema = {};
  const types = (Array.isArray(schema.type) ? schema.type : [schema.type]).filter((type): type is string => typeof type === 'string');
  const concrete = types.filter((type) => type !== 'null');
  if (concrete.length === 1) output.type = concrete[0];
  else if (concrete.length > 1) output.anyOf = concrete.map((type) => ({ type }));
  else if (types.length > 0) output.type = 'null';
  if (concrete.length > 0 && concrete.length < types.length) output.nullable = true;
  if (schema.nullable === true) output.nullable = true;

  for (const keyword of copiedKeywords) if (schema[keyword] !== undefined) output[keyword] = schema[keyword];
  const format = readString(schema.format);
  if (format !== undefined && typeof output.type === 'string' && allowedFormats[output.type]?.includes(format)) output.format = format;

  const values = Array.isArray(schema.enum) ? schema.enum : 'const' in schema ? [schema.const] : undefined;
  if (values !== undefined) {
    if (values.includes(null)) output.nullable = true;
    const strings = values.filter((value): value is string => typeof value === 'string');
    // Gemini's enum holds strings only; numbers or booleans would be answered 400, so the constraint is dropped.
    if (strings.length > 0 && strings.length === values.filter((value) => value !== null).length) output.enum = strings;
  }

  const properties = asRecord(schema.properties);
  if (properties !== undefined) {
    const cleaned: Schema = {};
    for (const [name, value] of Object.entries(properties)) {
      const property = asRecord(value);
      if (property !== undefined) cleaned[name] = clean(property, scope, depth + 1);
    }
    if (Object.keys(cleaned).length > 0) {
      output.properties = cleaned;
      const required = (Array.isArray(schema.required) ? schema.required : []).filter(
        (name): name is string => typeof name === 'string' && name in cleaned,
      );
      if (required.length > 0) output.required = required;
    }
  }
  // A tuple (`items: [...]`, draft 4–2019) has no Gemini form; its first item stands for all.
  const items = asRecord(schema.items) ?? readRecords(schema.items)[0];
  if (items !== undefined) output.items = clean(items, scope, depth + 1);
  return output;
}

function isNullOnly(schema: Schema): boolean {
  if (schema.type === 'null') return true;
  return Array.isArray(schema.type) && schema.type.length > 0 && schema.type.every((type) => type === 'null');
}

/** `#/$defs/Name` or `#/definitions/Name` → `Name`; `#` (the root) → `#`; anything else → undefined. */
function definitionName(reference: string): string | undefined {
  if (reference === '#') return '#';
  const match = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(reference);
  return match?.[1]?.replaceAll('~1', '/').replaceAll('~0', '~');
}

function expandRef(schema: Schema, scope: Scope): { schema: Schema; scope: Scope } {
  const reference = readString(schema.$ref);
  if (reference === undefined) return { schema, scope };
  const { $ref: _ref, ...siblings } = schema;
  const name = definitionName(reference);
  const target = name === undefined ? undefined : asRecord(scope.definitions[name]);
  if (name === undefined || (target === undefined && name !== '#')) return { schema: siblings, scope };
  if (target === undefined || scope.expanding.has(name)) {
    // Recursive: Gemini has no references, so the nested occurrence keeps its type and loses its shape.
    return { schema: { type: target?.type ?? 'object', ...siblings }, scope };
  }
  return expandRef({ ...target, ...siblings }, { ...scope, expanding: new Set([...scope.expanding, name]) });
}

function mergeAllOf(schema: Schema, scope: Scope): Schema {
  const parts = readRecords(schema.allOf);
  if (parts.length === 0) return schema;
  const { allOf: _allOf, ...merged } = schema;
  const properties: Schema = { ...asRecord(merged.properties) };
  const required = new Set((Array.isArray(merged.required) ? merged.required : []).filter((name) => typeof name === 'string'));
  for (const part of parts) {
    const expanded = mergeAllOf(expandRef(part, scope).schema, scope);
    for (const [key, value] of Object.entries(expanded)) {
      if (key === 'properties') Object.assign(properties, asRecord(value));
      else if (key === 'required' && Array.isArray(value)) for (const name of value) required.add(name);
      else if (!(key in merged)) merged[key] = value;
    }
  }
  if (Object.keys(properties).length > 0) merged.properties = properties;
  if (required.size > 0) merged.required = [...required];
  return merged;
}

/**
 * Gemini `Schema` (from a Gemini client's `functionDeclarations[].parameters` or `responseSchema`) → JSON Schema
 * for the hub: type names lower-cased (`STRING` → `string`), `nullable: true` → a type list with `"null"`,
 * OpenAPI's int64-as-string counts (`"maxItems": "5"`) → numbers; `format: "enum"`, `propertyOrdering` and
 * `example` dropped (JSON Schema has no such keywords).
 */
export function jsonSchemaFromGemini(schema: unknown): Schema {
  const record = asRecord(schema) ?? {};
  const output: Schema = {};
  for (const [key, value] of Object.entries(record)) {
    switch (key) {
      case 'type':
        if (typeof value === 'string' && value !== 'TYPE_UNSPECIFIED') output.type = value.toLowerCase();
        break;
      case 'format':
        if (value !== 'enum') output.format = value;
        break;
      case 'properties': {
        const properties: Schema = {};
        for (const [name, property] of Object.entries(asRecord(value) ?? {})) properties[name] = jsonSchemaFromGemini(property);
        output.properties = properties;
        break;
      }
      case 'items':
        output.items = jsonSchemaFromGemini(value);
        break;
      case 'anyOf':
        output.anyOf = readRecords(value).map((branch) => jsonSchemaFromGemini(branch));
        break;
      case 'minItems':
      case 'maxItems':
      case 'minLength':
      case 'maxLength':
      case 'minProperties':
      case 'maxProperties':
        output[key] = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
        break;
      case 'nullable':
      case 'propertyOrdering':
      case 'example':
        break;
      default:
        output[key] = value;
    }
  }
  if (record.nullable === true) {
    if (typeof output.type === 'string') output.type = [output.type, 'null'];
    else if (Array.isArray(output.anyOf)) output.anyOf = [...output.anyOf, { type: 'null' }];
  }
  return output;
}
