/**
 * A small readable page of the admin API, rendered on the server from the OpenAPI document: no scripts, no
 * CDN, nothing fetched. Every value from the document is HTML-escaped.
 */
import type { JsonObject } from './openapi.ts';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function json(value: unknown): string {
  return escapeHtml(JSON.stringify(value, null, 2));
}

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:2rem auto;padding:0 1rem;color:#1d2330}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #d8dce5;padding-bottom:.3rem}
.op{border:1px solid #d8dce5;border-radius:6px;margin:.8rem 0;padding:.2rem .9rem}
.op summary{cursor:pointer;padding:.5rem 0}
.method{display:inline-block;min-width:4.2rem;font:600 13px monospace;text-transform:uppercase}
.get{color:#0a6a2f}.post{color:#1b4fb8}.patch,.put{color:#8a5a00}.delete{color:#a3162c}
code,pre{font:13px/1.45 ui-monospace,monospace}pre{background:#f5f6f9;padding:.6rem;overflow:auto;border-radius:4px}
.role{float:right;font-size:12px;border-radius:10px;padding:0 .5rem;background:#eef0f5}
`;

export function renderDocsPage(document: JsonObject): string {
  const info = (document.info ?? {}) as JsonObject;
  const paths = (document.paths ?? {}) as Record<string, Record<string, JsonObject>>;
  const byTag = new Map<string, string[]>();
  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const tag = ((operation.tags as string[] | undefined) ?? ['Other'])[0] as string;
      const parameters = (operation.parameters ?? []) as JsonObject[];
      const body = ((operation.requestBody as JsonObject | undefined)?.content as Record<string, JsonObject> | undefined)?.['application/json']?.schema;
      const responses = (operation.responses ?? {}) as Record<string, JsonObject>;
      const success = Object.entries(responses).find(([status]) => status.startsWith('2'));
      const successSchema = (success?.[1].content as Record<string, JsonObject> | undefined)?.['application/json']?.schema;
      const parts = [
        `<details class="op"><summary><span class="method ${escapeHtml(method)}">${escapeHtml(method)}</span> <code>${escapeHtml(path)}</code> — ${escapeHtml(String(operation.summary ?? ''))}<span class="role">${escapeHtml(String(operation['x-required-role'] ?? ''))}</span></summary>`,
        operation.description === undefined ? '' : `<p>${escapeHtml(String(operation.description))}</p>`,
        parameters.length === 0
          ? ''
          : `<p><b>Parameters</b></p><ul>${parameters.map((parameter) => `<li><code>${escapeHtml(String(parameter.name))}</code> (${escapeHtml(String(parameter.in))}${parameter.required === true ? ', required' : ''}) <code>${json(parameter.schema)}</code>${parameter.description === undefined ? '' : ` — ${escapeHtml(String(parameter.description))}`}</li>`).join('')}</ul>`,
        body === undefined ? '' : `<p><b>Body</b> (application/json)</p><pre>${json(body)}</pre>`,
        successSchema === undefined ? '' : `<p><b>Answer ${escapeHtml(success?.[0] ?? '')}</b></p><pre>${json(successSchema)}</pre>`,
        `</details>`,
      ];
      byTag.set(tag, [...(byTag.get(tag) ?? []), parts.join('')]);
    }
  }
  const sections = [...byTag.entries()].map(([tag, operations]) => `<h2>${escapeHtml(tag)}</h2>${operations.join('')}`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(String(info.title ?? 'API'))}</title><style>${STYLE}</style></head><body><h1>${escapeHtml(String(info.title ?? ''))} <small>${escapeHtml(String(info.version ?? ''))}</small></h1><p>${escapeHtml(String(info.description ?? ''))}</p><p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).</p>${sections}</body></html>`;
}
