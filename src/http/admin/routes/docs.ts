/** The admin API describing itself: the OpenAPI document and a readable page made from it. */
import { defineRawRoute } from '../define.ts';
import { renderDocsPage } from '../docs-page.ts';
import { buildOpenApiDocument } from '../openapi.ts';

const TAG = 'Documentation';

export const docsRoutes = [
  defineRawRoute({
    method: 'GET',
    path: '/api/openapi.json',
    role: 'public',
    tag: TAG,
    summary: 'This API as an OpenAPI 3.1 document',
    contentType: 'application/json',
    handler: async ({ routes }) =>
      new Response(JSON.stringify(buildOpenApiDocument(routes)), { headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' } }),
  }),

  defineRawRoute({
    method: 'GET',
    path: '/api/docs',
    role: 'public',
    tag: TAG,
    summary: 'This API as a readable page',
    contentType: 'text/html',
    handler: async ({ routes }) =>
      new Response(renderDocsPage(buildOpenApiDocument(routes)), {
        headers: {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-cache',
          // The page runs no script and loads nothing: inline styles only.
          'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
          'x-content-type-options': 'nosniff',
        },
      }),
  }),
];
