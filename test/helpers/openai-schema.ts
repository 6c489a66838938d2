/**
 * Checks JSON bodies and stream chunks against OpenAI's published OpenAPI document
 * (https://github.com/openai/openai-openapi), so the mock upstream and the gateway's OpenAI dialect are held
 * to the wire format itself rather than to our reading of it.
 *
 * A compact JSON Schema subset, enough for that document: `$ref`, `type` (including `integer` and type
 * lists), `nullable` (OpenAPI 3.0 style, still used in places), `enum`, `const`, `properties`, `required`,
 * `additionalProperties`, `items`, `minItems`/`maxItems`, `minimum`/`maximum`, `minLength`/`maxLength`,
 * `allOf`, `anyOf` and `oneOf`. `oneOf` is checked as "at least one branch", narrowed by its
 * `discriminator` when the value names one: the document's branches overlap often enough that "exactly one"
 * rejects valid bodies. `format` is not checked.
 */
import { expect } from 'bun:test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The document's path; OPENAI_OPENAPI_SPEC overrides it. */
export const openAiSpecPath: string =
  process.env.OPENAI_OPENAPI_SPEC ?? join(import.meta.dir, '..', '..', '..', 'shared', 'specs', 'openai-openapi.json');

type Schema = Record<string, unknown>;

let schemas: Readonly<Record<string, unknown>> | undefined;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function openAiSpecAvailable(): boolean {
  return existsSync(openAiSpecPath);
}

function componentSchemas(): Readonly<Record<string, unknown>> {
  if (schemas !== undefined) return schemas;
  if (!openAiSpecAvailable()) {
    throw new Error(`OpenAI OpenAPI document not found at ${openAiSpecPath}; set OPENAI_OPENAPI_SPEC to the path of openai-openapi.json`);
  }
  const document: unknown = JSON.parse(readFileSync(openAiSpecPath, 'utf8'));
  const found = isObject(document) && isObject(document.components) && isObject(document.components.schemas) ? document.components.schemas : undefined;
  if (found === undefined) throw new Error(`${openAiSpecPath} has no components.schemas`);
  schemas = found;
  return found;
}

function resolve(reference: string): Schema {
  const prefix = '#/components/schemas/';
  if (!reference.startsWith(prefix)) throw new Error(`unsupported $ref ${reference}`);
  const name = reference.slice(prefix.length);
  const schema = componentSchemas()[name];
  if (!isObject(schema)) throw new Error(`unknown schema ${name}`);
  return schema;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return `number ${value}`;
  return typeof value;
}

function hasType(value: unknown, type: unknown): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    default:
      return true;
  }
}

function sameValue(left: unknown, right: unknown): boolean {
  return left === right || JSON.stringify(left) === JSON.stringify(right);
}

/** The branches of a `oneOf` whose discriminator property admits the value's. */
function discriminated(schema: Schema, branches: readonly unknown[], value: unknown): readonly unknown[] {
  const discriminator = schema.discriminator;
  if (!isObject(discriminator) || typeof discriminator.propertyName !== 'string' || !isObject(value)) return branches;
  const property = discriminator.propertyName;
  const tag = value[property];
  const matching = branches.filter((branch) => {
    const resolved = isObject(branch) && typeof branch.$ref === 'string' ? resolve(branch.$ref) : branch;
    const definition = isObject(resolved) && isObject(resolved.properties) ? resolved.properties[property] : undefined;
    if (!isObject(definition)) return true;
    if (Array.isArray(definition.enum)) return definition.enum.some((allowed) => sameValue(allowed, tag));
    return !('const' in definition) || sameValue(definition.const, tag);
  });
  return matching.length > 0 ? matching : branches;
}

function checkBranches(kind: string, branches: readonly unknown[], value: unknown, path: string, problems: string[]): void {
  let best: string[] | undefined;
  for (const branch of branches) {
    const branchProblems: string[] = [];
    check(branch, value, path, branchProblems);
    if (branchProblems.length === 0) return;
    if (best === undefined || branchProblems.length < best.length) best = branchProblems;
  }
  problems.push(`${path}: ${describeValue(value)} matches no ${kind} branch; closest: ${(best ?? []).slice(0, 3).join('; ')}`);
}

function check(schema: unknown, value: unknown, path: string, problems: string[]): void {
  if (schema === false) {
    problems.push(`${path}: not allowed`);
    return;
  }
  if (!isObject(schema)) return;
  if (schema.nullable === true && value === null) return;
  if (typeof schema.$ref === 'string') check(resolve(schema.$ref), value, path, problems);
  if (Array.isArray(schema.allOf)) for (const part of schema.allOf) check(part, value, path, problems);
  if (Array.isArray(schema.anyOf)) checkBranches('anyOf', schema.anyOf, value, path, problems);
  if (Array.isArray(schema.oneOf)) checkBranches('oneOf', discriminated(schema, schema.oneOf, value), value, path, problems);

  if (schema.type !== undefined) {
    const types: readonly unknown[] = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((type) => hasType(value, type))) {
      problems.push(`${path}: expected ${types.join(' or ')}, got ${describeValue(value)}`);
      return;
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((allowed) => sameValue(allowed, value))) {
    problems.push(`${path}: ${describeValue(value)} is not one of ${schema.enum.map((allowed) => JSON.stringify(allowed)).join(', ')}`);
  }
  if ('const' in schema && !sameValue(schema.const, value)) problems.push(`${path}: expected ${JSON.stringify(schema.const)}, got ${describeValue(value)}`);

  if (isObject(value)) {
    if (Array.isArray(schema.required)) {
      for (const name of schema.required) if (typeof name === 'string' && !(name in value)) problems.push(`${path}: missing required property "${name}"`);
    }
    const properties = isObject(schema.properties) ? schema.properties : {};
    for (const [name, inner] of Object.entries(value)) {
      const childPath = `${path}.${name}`;
      if (name in properties) check(properties[name], inner, childPath, problems);
      else if (schema.additionalProperties === false) problems.push(`${childPath}: property not allowed`);
      else if (isObject(schema.additionalProperties)) check(schema.additionalProperties, inner, childPath, problems);
    }
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) problems.push(`${path}: fewer than ${schema.minItems} items`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) problems.push(`${path}: more than ${schema.maxItems} items`);
    if (schema.items !== undefined) value.forEach((item, index) => check(schema.items, item, `${path}[${index}]`, problems));
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) problems.push(`${path}: ${value} is below the minimum ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) problems.push(`${path}: ${value} is above the maximum ${schema.maximum}`);
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) problems.push(`${path}: shorter than ${schema.minLength}`);
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) problems.push(`${path}: longer than ${schema.maxLength}`);
  }
}

/** Problems of `value` against an ad-hoc schema (whose `$ref`s point into the OpenAI document); [] when valid. */
export function validateSchema(schema: unknown, value: unknown): string[] {
  const problems: string[] = [];
  check(schema, value, '$', problems);
  return problems;
}

/**
 * Problems of `value` against the named schema of OpenAI's document (`components.schemas[schemaName]`,
 * e.g. "CreateChatCompletionResponse" or "CreateChatCompletionStreamResponse" for one stream chunk);
 * [] when it conforms.
 */
export function validateOpenAi(schemaName: string, value: unknown): string[] {
  return validateSchema({ $ref: `#/components/schemas/${schemaName}` }, value);
}

/** Asserts the value conforms to the named OpenAI schema (as validateOpenAi, which needs the document). */
export function expectConforms(schemaName: string, value: unknown): void {
  expect(validateOpenAi(schemaName, value)).toEqual([]);
}
