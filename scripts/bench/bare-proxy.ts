/**
 * The benchmark's yardstick: the least a Bun passthrough proxy can do. It forwards each request to the
 * upstream with fetch and returns the upstream's status, headers and body stream as they are: no auth, no
 * routing, no parsing. The gateway's figures are reported as ratios to this one's.
 *
 *   bun scripts/bench/bare-proxy.ts http://127.0.0.1:UPSTREAM_PORT   → prints {"port":N}
 */
const upstream = process.argv[2];
if (upstream === undefined) throw new Error('usage: bun scripts/bench/bare-proxy.ts <upstream base URL>');

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  idleTimeout: 255,
  async fetch(request) {
    const url = new URL(request.url);
    const response = await fetch(upstream + url.pathname + url.search, {
      method: request.method,
      headers: request.headers,
      body: await request.arrayBuffer(),
      signal: request.signal,
    });
    return new Response(response.body, { status: response.status, headers: response.headers });
  },
});
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
