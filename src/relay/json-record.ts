/** Parsed JSON narrowed to an object with named fields; arrays and primitives are not records. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  // After the checks below the value is a non-array object, whose fields are exactly what JSON.parse produced.
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
