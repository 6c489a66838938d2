/**
 * The OpenAPI 3.1 document of the admin API, generated from the declared routes: TypeBox schemas are JSON
 * Schema already (3.1 uses JSON Schema 2020-12), so they go in as they are, wrapped in the envelope.
 * Served at GET /api/openapi.json and rendered as a page at GET /api/docs.
 */
import type { TSchema } from 'elysia';
import { version } from '../../version.ts';
import type { AdminRoute } from './define.ts';
import { errorSchema, pageSchema } from './envelope.ts';
import { SESSION_COOKIE } from './session-cookie.ts';

export type JsonObject = Record<string, unknown>;

/** A TypeBox schema as plain JSON (its symbol-keyed markers dropped). */
function plain(schema: TSchema): JsonObject {
  return JSON.parse(JSON.stringify(schema)) as JsonObject;
}

/** `/api/tokens/:id` → `/api/tokens/{id}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

export function operationId(route: Pick<AdminRoute, 'method' | 'path'>): string {
  const words = route.path
    .replace(/^\/api\//, '')
    .split(/[/-]/)
    .filter((word) => word !== '')
    .map((word) => (word.startsWith(':') ? `by_${word.slice(1)}` : word));
  return [route.method.toLowerCase(), ...words].join('_');
}

function parameters(schema: TSchema | undefined, where: 'path' | 'query'): JsonObject[] {
  if (schema === undefined) return [];
  const properties = (schema.properties ?? {}) as Record<string, TSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = plain(property);
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(description === undefined ? {} : { description }),
      schema: rest,
    };
  });
}

const ERROR_STATUSES: Record<string, string> = {
  '400': 'Invalid input (error.field names it).',
  '401': 'Not signed in, or the sign-in or access token has ended.',
  '403': 'Signed in, but not allowed (role, CSRF header, or an account above yours).',
  '404': 'Not found, or not yours.',
  '409': 'Conflicts with existing data (a taken name, a held balance).',
  '429': 'Too many failed tries (sign-ins, redemption codes); see Retry-After.',
};

function errorResponses(route: AdminRoute): JsonObject {
  const statuses = route.role === 'public' && route.method === 'GET' ? [] : Object.keys(ERROR_STATUSES);
  return Object.fromEntries(
    statuses
      .filter((status) => status !== '429' || route.path === '/api/auth/login' || route.path === '/api/user/self/redeem')
      .map((status) => [status, { $ref: `#/components/responses/Error${status}` }]),
  );
}

function operation(route: AdminRoute): JsonObject {
  const base: JsonObject = {
    operationId: operationId(route),
    summary: route.summary,
    ...(route.description === undefined ? {} : { description: route.description }),
    tags: [route.tag],
    'x-required-role': route.role,
    ...(route.ownership === undefined ? {} : { 'x-ownership': route.ownership }),
    // The action written to the audit log (GET /api/audit) when the call succeeds.
    ...(route.kind === 'json' && route.audit !== undefined ? { 'x-audit-action': route.audit.action } : {}),
    security: route.role === 'public' ? [] : [{ sessionCookie: [] }, { accessToken: [] }],
  };
  if (route.kind === 'raw') {
    return { ...base, responses: { '200': { description: 'OK', content: { [route.contentType]: { schema: {} } } } } };
  }
  const params = [...parameters(route.params, 'path'), ...parameters(route.query, 'query')];
  const isList = route.response.type === 'array' && route.query !== undefined && 'page' in ((route.query.properties ?? {}) as object);
  const envelope: JsonObject = {
    type: 'object',
    required: isList ? ['success', 'data', 'page'] : ['success', 'data'],
    additionalProperties: false,
    properties: {
      success: { const: true, type: 'boolean' },
      data: plain(route.response),
      ...(isList ? { page: { $ref: '#/components/schemas/Page' } } : {}),
    },
  };
  const successStatus = String(route.successStatus ?? 200);
  return {
    ...base,
    ...(params.length === 0 ? {} : { parameters: params }),
    ...(route.body === undefined ? {} : { requestBody: { required: true, content: { 'application/json': { schema: plain(route.body) } } } }),
    responses: {
      [successStatus]: { description: 'Success', content: { 'application/json': { schema: envelope } } },
      ...errorResponses(route),
    },
  };
}

export function buildOpenApiDocument(routes: readonly AdminRoute[]): JsonObject {
  const paths: Record<string, JsonObject> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    paths[path] = { ...(paths[path] ?? {}), [route.method.toLowerCase()]: operation(route) };
  }
  const tags = [...new Set(routes.map((route) => route.tag))].map((name) => ({ name }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'gateway admin API',
      version,
      description:
        'Every answer is {"success":true,"data":…} (lists add "page": {"page","per_page","total"}) or {"success":false,"error":{"code","message","field","request_id"}}. ' +
        'Authenticate with the session cookie from POST /api/auth/login, or with Authorization: Bearer gpat_… (a personal access token). ' +
        'Cookie-authenticated POST, PUT, PATCH and DELETE need the X-Requested-With header. x-required-role on each operation says who may call it.',
    },
    tags,
    paths,
    components: {
      securitySchemes: {
        sessionCookie: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'Set by POST /api/auth/login.' },
        accessToken: { type: 'http', scheme: 'bearer', bearerFormat: 'gpat_…', description: 'A personal access token from POST /api/user/access-tokens.' },
      },
      schemas: { Error: plain(errorSchema), Page: plain(pageSchema) },
      responses: Object.fromEntries(
        Object.entries(ERROR_STATUSES).map(([status, description]) => [
          `Error${status}`,
          { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        ]),
      ),
    },
  };
}
