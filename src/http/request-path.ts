/** The path of a request without its query string, which may carry a credential (`?key=` for Gemini clients). */
export function requestPath(request: Request): string {
  const url = request.url;
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start === -1) return '/';
  const query = url.indexOf('?', start);
  const hash = url.indexOf('#', start);
  const end = [query, hash].filter((index) => index !== -1).reduce((lowest, index) => Math.min(lowest, index), url.length);
  return url.slice(start, end);
}

/** Load balancer probes: answered while draining, and logged at debug level. */
export const probePaths: ReadonlySet<string> = new Set(['/healthz', '/readyz']);
