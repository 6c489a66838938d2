/** The two schema files must describe the same tables: names, columns, types, nullability, keys, indexes. */
import { describe, expect, test } from 'bun:test';
import { is } from 'drizzle-orm';
import { getTableConfig as getPostgresConfig, PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as getSqliteConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import * as postgresSchema from '../../src/db/schema/postgres.ts';
import * as sqliteSchema from '../../src/db/schema/sqlite.ts';

interface Shape {
  name: string;
  columns: Record<string, { kind: string; notNull: boolean; primary: boolean; hasDefault: boolean }>;
  indexes: string[];
  primaryKeys: string[];
  foreignKeys: number;
  checks: string[];
}

function kindOf(columnType: string): string {
  if (/Boolean/.test(columnType)) return 'boolean';
  if (/Integer|BigInt|Serial/i.test(columnType)) return 'integer';
  if (/Text/.test(columnType)) return 'text';
  return columnType;
}

function sqliteShapes(): Record<string, Shape> {
  const shapes: Record<string, Shape> = {};
  for (const value of Object.values(sqliteSchema)) {
    if (!is(value, SQLiteTable)) continue;
    const config = getSqliteConfig(value);
    shapes[config.name] = {
      name: config.name,
      columns: Object.fromEntries(
        config.columns.map((column) => [
          column.name,
          { kind: kindOf(column.columnType), notNull: column.notNull, primary: column.primary, hasDefault: column.hasDefault },
        ]),
      ),
      indexes: config.indexes.map((index) => `${index.config.name}:${index.config.unique}:${index.config.columns.map((column) => ('name' in column ? column.name : '?')).join(',')}`).sort(),
      primaryKeys: config.primaryKeys.map((key) => key.columns.map((column) => column.name).join(',')),
      foreignKeys: config.foreignKeys.length,
      checks: config.checks.map((check) => check.name).sort(),
    };
  }
  return shapes;
}

function postgresShapes(): Record<string, Shape> {
  const shapes: Record<string, Shape> = {};
  for (const value of Object.values(postgresSchema)) {
    if (!is(value, PgTable)) continue;
    const config = getPostgresConfig(value);
    shapes[config.name] = {
      name: config.name,
      columns: Object.fromEntries(
        config.columns.map((column) => [
          column.name,
          {
            kind: kindOf(column.columnType),
            notNull: column.notNull,
            primary: column.primary,
            // Identity columns are generated, as AUTOINCREMENT is in SQLite.
            hasDefault: column.hasDefault && !column.primary,
          },
        ]),
      ),
      indexes: config.indexes.map((index) => `${index.config.name}:${index.config.unique}:${index.config.columns.map((column) => ('name' in column ? column.name : '?')).join(',')}`).sort(),
      primaryKeys: config.primaryKeys.map((key) => key.columns.map((column) => column.name).join(',')),
      foreignKeys: config.foreignKeys.length,
      checks: config.checks.map((check) => check.name).sort(),
    };
  }
  return shapes;
}

describe('schema parity', () => {
  const sqlite = sqliteShapes();
  const postgres = postgresShapes();

  test('the same tables exist in both dialects', () => {
    expect(Object.keys(postgres).sort()).toEqual(Object.keys(sqlite).sort());
    expect(Object.keys(sqlite).length).toBeGreaterThanOrEqual(15);
  });

  for (const name of Object.keys(sqlite)) {
    test(`table ${name} has the same columns, keys and indexes`, () => {
      const left = sqlite[name] as Shape;
      const right = postgres[name] as Shape;
      expect(right).toBeDefined();
      const normalise = (shape: Shape) => ({
        ...shape,
        columns: Object.fromEntries(
          Object.entries(shape.columns).map(([column, info]) => [column, { ...info, hasDefault: info.primary ? false : info.hasDefault }]),
        ),
      });
      expect(normalise(right)).toEqual(normalise(left));
    });
  }

  test('the exported names match, so repositories can use either set of tables', () => {
    const names = (schema: Record<string, unknown>) => Object.keys(schema).sort();
    expect(names(postgresSchema)).toEqual(names(sqliteSchema));
  });
});
