/**
 * GET /api/openapi.json is a structurally valid OpenAPI 3.1 document listing every declared route with its
 * role; GET /api/docs renders it as a self-contained page.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { adminRoutes } from '../../src/http/admin/registry.ts';
import { openApiPath } from '../../src/http/admin/openapi.ts';
import { precompile } from '../../src/http/admin/validate.ts';
import { type AdminApiHarness, createAdminApiHarness } from '../helpers/admin-api.ts';

let harness: AdminApiHarness & { close(): Promise<void> };
let document: Record<string, any>;

beforeAll(async () => {
  harness = await createAdminApiHarness('sqlite');
  const answer = await harness.call('GET', '/api/openapi.json');
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toStartWith('application/json');
  document = answer.body;
});
afterAll(() => harness.close());

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function resolve(reference: string): unknown {
  expect(reference).toStartWith('#/');
  return reference
    .slice(2)
    .split('/')
    .reduce<any>((node, part) => (node === undefined ? undefined : node[part.replace(/~1/g, '/').replace(/~0/g, '~')]), document);
}

function walk(node: unknown, visit: (value: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) for (const item of node) walk(item, visit);
  else if (node !== null && typeof node === 'object') {
    visit(node as Record<string, unknown>);
    for (const value of Object.values(node)) walk(value, visit);
  }
}

test('the top level is OpenAPI 3.1 with info, paths, tags and the two security schemes', () => {
  expect(document.openapi).toBe('3.1.0');
  expect(typeof document.info.title).toBe('string');
  expect(typeof document.info.version).toBe('string');
  expect(Object.keys(document.components.securitySchemes).sort()).toEqual(['accessToken', 'sessionCookie']);
  expect(document.components.securitySchemes.sessionCookie).toEqual(expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'gateway_session' }));
  expect(document.components.securitySchemes.accessToken).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
  for (const key of Object.keys(document)) expect(['openapi', 'info', 'tags', 'paths', 'components']).toContain(key);
});

test('every declared route is listed once, with its role, and nothing else is', () => {
  const listed: string[] = [];
  for (const [path, item] of Object.entries<Record<string, any>>(document.paths)) {
    expect(path).toStartWith('/api/');
    for (const [method, operation] of Object.entries<any>(item)) {
      expect(METHODS).toContain(method);
      listed.push(`${method.toUpperCase()} ${path}`);
      const route = adminRoutes.find((candidate) => candidate.method === method.toUpperCase() && openApiPath(candidate.path) === path);
      expect(route).toBeDefined();
      expect(operation['x-required-role']).toBe(route?.role);
      expect(operation.security).toEqual(route?.role === 'public' ? [] : [{ sessionCookie: [] }, { accessToken: [] }]);
    }
  }
  expect(listed.sort()).toEqual(adminRoutes.map((route) => `${route.method} ${openApiPath(route.path)}`).sort());
});

test('operations are well formed: unique ids, declared path parameters, a success answer, resolvable $refs', () => {
  const ids = new Set<string>();
  const tags = new Set((document.tags as { name: string }[]).map((tag) => tag.name));
  for (const [path, item] of Object.entries<Record<string, any>>(document.paths)) {
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] as string);
    for (const operation of Object.values<any>(item)) {
      expect(typeof operation.operationId).toBe('string');
      expect(ids.has(operation.operationId)).toBe(false);
      ids.add(operation.operationId);
      expect(typeof operation.summary).toBe('string');
      for (const tag of operation.tags) expect(tags.has(tag)).toBe(true);
      const parameters = (operation.parameters ?? []) as { name: string; in: string; required: boolean; schema: unknown }[];
      const pathParameters = parameters.filter((parameter) => parameter.in === 'path');
      expect(pathParameters.map((parameter) => parameter.name).sort()).toEqual(templated.sort());
      for (const parameter of parameters) {
        expect(['path', 'query']).toContain(parameter.in);
        expect(typeof parameter.schema).toBe('object');
        if (parameter.in === 'path') expect(parameter.required).toBe(true);
      }
      const statuses = Object.keys(operation.responses);
      expect(statuses.some((status) => /^2\d\d$/.test(status))).toBe(true);
      for (const status of statuses) expect(status).toMatch(/^[1-5]\d\d$/);
      if (operation.requestBody !== undefined) expect(operation.requestBody.content['application/json'].schema.type).toBe('object');
    }
  }
  walk(document, (node) => {
    if (typeof node.$ref === 'string') expect(resolve(node.$ref)).toBeDefined();
  });
});

test('list operations document the page block; bodies are strict', () => {
  const list = document.paths['/api/tokens'].get;
  const envelope = list.responses['200'].content['application/json'].schema;
  expect(envelope.required).toEqual(['success', 'data', 'page']);
  expect(envelope.properties.page).toEqual({ $ref: '#/components/schemas/Page' });
  expect(list.parameters.map((parameter: { name: string }) => parameter.name)).toEqual(['page', 'per_page', 'search', 'user_id']);
  expect(document.paths['/api/tokens'].post.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
  expect(document.paths['/api/tokens'].post.responses['201']).toBeDefined();
});

test('/api/docs is one self-contained HTML page naming every route', async () => {
  const answer = await harness.call('GET', '/api/docs');
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toStartWith('text/html');
  expect(answer.headers.get('content-security-policy')).toContain("default-src 'none'");
  const html = String(answer.body);
  expect(html).toStartWith('<!doctype html>');
  expect(html).not.toMatch(/<script|https?:\/\/(?!localhost)/i);
  for (const route of adminRoutes) expect(html).toContain(openApiPath(route.path));
});

test('every route\'s schemas compile (the server compiles each on first use, so a malformed one must fail here)', () => {
  for (const route of adminRoutes) {
    if (route.kind !== 'json') continue;
    expect(() => precompile([route.params, route.query, route.body, route.response])).not.toThrow();
  }
});
