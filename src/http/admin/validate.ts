/**
 * Checks request values and answers against the route's TypeBox schemas. Path and query values arrive as
 * text, so integer and boolean properties are converted first ("20" → 20); anything else stays text and
 * fails the check when it is not. A failure names the first field at fault.
 */
import type { TSchema } from 'elysia';
import { TypeCompiler, type TypeCheck } from 'elysia/type-system';
import { GatewayError } from '../../errors/gateway-error.ts';

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

function checkerOf(schema: TSchema): TypeCheck<TSchema> {
  let checker = compiled.get(schema);
  if (checker === undefined) {
    checker = TypeCompiler.Compile(schema);
    compiled.set(schema, checker);
  }
  return checker;
}

/** Compiles every schema now, so a malformed one stops the start instead of a request. */
export function precompile(schemas: readonly (TSchema | undefined)[]): void {
  for (const schema of schemas) if (schema !== undefined) checkerOf(schema);
}

function typesOf(schema: TSchema): string[] {
  if (typeof schema.type === 'string') return [schema.type];
  const variants = (schema.anyOf ?? schema.oneOf) as TSchema[] | undefined;
  return variants === undefined ? [] : variants.flatMap(typesOf);
}

/** Converts the text values of a flat object (path or query) to the types its schema's properties want. */
export function coerceTextValues(schema: TSchema, values: Record<string, unknown>): Record<string, unknown> {
  const properties = (schema.properties ?? {}) as Record<string, TSchema>;
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    const property = properties[name];
    if (property === undefined || typeof value !== 'string') {
      result[name] = value;
      continue;
    }
    const types = typesOf(property);
    if ((types.includes('integer') || types.includes('number')) && /^-?\d{1,15}(\.\d+)?$/.test(value)) result[name] = Number(value);
    else if (types.includes('boolean') && (value === 'true' || value === 'false')) result[name] = value === 'true';
    else result[name] = value;
  }
  return result;
}

/** The value when it matches, else an invalid_argument error naming the field (`where` is params, query or body). */
export function validated<T>(schema: TSchema, value: unknown, where: 'params' | 'query' | 'body'): T {
  const checker = checkerOf(schema);
  if (checker.Check(value)) return value as T;
  const first = checker.Errors(value).First();
  const field = first === undefined || first.path === '' ? where : first.path.slice(1).replace(/\//g, '.');
  const reason = first?.message ?? 'does not match the schema';
  throw new GatewayError({
    code: 'invalid_argument',
    field,
    message: `${where === 'body' ? 'body field' : `${where} parameter`} "${field}": ${reason}; see GET /api/openapi.json for the expected shape`,
  });
}

/** Whether an answer matches its declared schema (used to stop a field that is not on the allowlist). */
export function matches(schema: TSchema, value: unknown): { ok: true } | { ok: false; reason: string } {
  const checker = checkerOf(schema);
  if (checker.Check(value)) return { ok: true };
  const first = checker.Errors(value).First();
  return { ok: false, reason: `${first?.path ?? ''}: ${first?.message ?? 'mismatch'}` };
}
