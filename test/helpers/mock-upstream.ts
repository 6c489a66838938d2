/**
 * The mock LLM upstream of reliability.md 3.2: it speaks OpenAI's (and Azure OpenAI's), Anthropic's Messages
 * (mock-upstream/anthropic.ts) and Gemini's generateContent (mock-upstream/gemini.ts) wire formats, takes
 * faults from `x-mock-*` headers or from the model name `mock/<script>`, and records every request and every
 * completed reply — the ground truth billing and disconnect tests compare the gateway against.
 *
 * It is a `node:net` server that writes HTTP/1.1 itself (see mock-upstream/http-wire.ts), so a reply can end
 * with a RST, a FIN, a close-delimited body or silence, and open connections are counted exactly.
 */
import { createHash } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { controlsFromHeaders, controlsFromJson, controlsFromModel, DEFAULT_SCRIPTS, type MockControls } from './mock-upstream/controls.ts';
import { errorReply, invalidRequest, rawReply } from './mock-upstream/errors.ts';
import { collectText, lastUserText } from './mock-upstream/generation.ts';
import { Connection, ProtocolError, RequestParser, writeReply, type WirePlan, type WireRequest } from './mock-upstream/http-wire.ts';
import { mockImageReply } from './mock-upstream/images.ts';
import { PNG_BYTES } from './mock-upstream/media.ts';
import { DEFAULT_MODELS, listModels } from './mock-upstream/retrieval.ts';
import { DIALECTS, HANDLERS, matchRoute, MULTIPART_ENDPOINTS } from './mock-upstream/routes.ts';
import { isRecord, jsonReply, readString, type CompletedReply, type MockReply, type ParsedFormData, type RecordedRequest, type RouteMatch } from './mock-upstream/types.ts';

export type { MockControls, Framing, UsageFault, LineEnding } from './mock-upstream/controls.ts';
export { CONTROL_NAMES, DEFAULT_SCRIPTS } from './mock-upstream/controls.ts';
export type { CompletedReply, MockEndpoint, RecordedRequest, ReplyEnding, ReplyRecord, RouteForm, UsageReport } from './mock-upstream/types.ts';
export { parseSse, type ParsedEvent } from './mock-upstream/sse.ts';

export interface MockUpstreamOptions {
  /** Scripts added to (or replacing) DEFAULT_SCRIPTS, selected by the model `mock/<name>`. */
  scripts?: Readonly<Record<string, MockControls>>;
  /** Controls for every request; a script or `x-mock-*` header overrides them. */
  defaults?: MockControls;
  /** Model ids listed by `GET /v1/models`. */
  models?: readonly string[];
  /** Unix seconds written in `created` fields; fixed by default so replies repeat byte for byte. */
  createdAt?: number;
  /** Keep connections open between requests, as OpenAI does (default true). */
  keepAlive?: boolean;
}

export interface MockUpstream {
  /** `http://127.0.0.1:<port>`; OpenAI clients use `${url}/v1` as their base URL, the Anthropic and Gemini SDKs `url` itself. */
  readonly url: string;
  readonly port: number;
  /** Every request in arrival order (the control route excepted). */
  readonly requests: RecordedRequest[];
  /** Every 2xx reply of an API endpoint that reached its normal end, streamed or not. */
  readonly completedReplies: CompletedReply[];
  /** The streamed subset of `completedReplies`, with the usage each stream sent. */
  readonly completedStreams: CompletedReply[];
  /** Connections with a request being received or a reply being written (idle keep-alive ones excluded). */
  openConnections(): number;
  /** Every open TCP connection, idle keep-alive ones included. */
  openSockets(): number;
  /** Resolves once `openConnections()` is 0; rejects after `timeoutMs`. */
  waitUntilIdle(timeoutMs?: number): Promise<void>;
  defineScript(name: string, controls: MockControls): void;
  /** Replaces the controls applied to every request ("from now on the upstream answers 401"). */
  setDefaults(controls: MockControls): void;
  /** Forgets requests and completions, restarts ids at 1, and restores the scripts and defaults. */
  reset(): void;
  /** Closes the server and destroys every connection (hanging ones included). */
  stop(): Promise<void>;
}

/** 2025-01-01T00:00:00Z. */
const DEFAULT_CREATED_AT = 1_735_689_600;
const DEFAULT_CUT_GRACE_MS = 250;

interface SocketState {
  readonly connection: Connection;
  readonly parser: RequestParser;
  busy: boolean;
  pumping: boolean;
}

function bearerKey(headers: Readonly<Record<string, string>>): { key: string | undefined; header: 'authorization' | 'api-key' | undefined } {
  const authorization = headers.authorization;
  if (authorization !== undefined && /^bearer\s+/i.test(authorization)) return { key: authorization.replace(/^bearer\s+/i, ''), header: 'authorization' };
  if (headers['api-key'] !== undefined) return { key: headers['api-key'], header: 'api-key' };
  return { key: undefined, header: undefined };
}

function parseJson(text: string): unknown {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed;
  } catch {
    return undefined;
  }
}

/** The user's text: the last user message, else `input` or `prompt` (for `echo-input-in-error`). */
function requestText(json: unknown): string {
  if (!isRecord(json)) return '';
  return lastUserText(json.messages) || collectText(json.input ?? json.prompt);
}

const gzipBombs = new Map<number, Uint8Array>();

function gzipBomb(mebibytes: number): MockReply {
  let compressed = gzipBombs.get(mebibytes);
  if (compressed === undefined) {
    compressed = Bun.gzipSync(new Uint8Array(mebibytes * 1024 * 1024), { level: 9 });
    gzipBombs.set(mebibytes, compressed);
  }
  return { status: 200, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, parts: [compressed], streaming: false };
}

export async function startMockUpstream(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
  const initialScripts = { ...DEFAULT_SCRIPTS, ...options.scripts };
  let scripts: Record<string, MockControls> = { ...initialScripts };
  let defaults: MockControls = { ...options.defaults };
  const models = options.models ?? DEFAULT_MODELS;
  const createdAt = options.createdAt ?? DEFAULT_CREATED_AT;
  const keepAlive = options.keepAlive ?? true;
  const requests: RecordedRequest[] = [];
  const completedReplies: CompletedReply[] = [];
  const completedStreams: CompletedReply[] = [];
  const sockets = new Set<SocketState>();
  const handlers = new Set<Promise<void>>();
  let sequence = 0;
  let stopping = false;
  let baseUrl = '';

  function answer(wire: WireRequest, url: URL, record: RecordedRequest, route: RouteMatch | undefined, formData: ParsedFormData | undefined, controlError: string | undefined): MockReply {
    const { controls } = record;
    if (url.pathname.startsWith('/mock-files/') && wire.method === 'GET') return { status: 200, headers: { 'content-type': 'image/png' }, parts: [PNG_BYTES], streaming: false };
    const image = wire.method === 'GET' ? mockImageReply(url) : undefined;
    if (image !== undefined) return image;
    if (route === undefined) return invalidRequest(`Invalid URL (${wire.method} ${url.pathname})`, null, 404);
    // Anthropic and Gemini answer these in their own shapes; the order of the checks stays the same.
    const dialect = DIALECTS[route.form];
    if (controlError !== undefined) return dialect?.invalidRequest(record, controlError) ?? invalidRequest(controlError, 'model');
    if (route.form === 'azure' && route.deployment !== undefined && record.apiVersion === undefined) {
      return jsonReply(404, { error: { code: '404', message: 'Resource not found' } });
    }
    const model = record.model ?? 'mock-model';
    const input = controls.echoInputInError === true ? requestText(record.json) : undefined;
    const error = (status: number, echoKey = false): MockReply => errorReply({ status, model, key: record.apiKey, echoKey, code: controls.code, input, form: route.form });
    if (controls.echoKeyIn401 === true) return dialect?.keyRejected(record, true) ?? error(401, true);
    if (record.apiKey === undefined || record.apiKey === '' || record.apiKey.includes('invalid')) return dialect?.keyRejected(record, false) ?? error(401);
    const refused = dialect?.checkHeaders(record);
    if (refused !== undefined) return refused;
    if (controls.redirect !== undefined) return { status: 302, headers: { location: controls.redirect }, parts: [], streaming: false };
    if (controls.body !== undefined) return rawReply(controls.status ?? 200, controls.body);
    if (controls.status !== undefined && controls.status >= 300) return dialect?.error(record, controls.status) ?? error(controls.status);
    if (controls.gzipBomb !== undefined) return gzipBomb(controls.gzipBomb);
    if (route.endpoint === 'models') return listModels(models, createdAt);
    if (MULTIPART_ENDPOINTS.has(route.endpoint) && formData === undefined) return invalidRequest('This endpoint expects multipart/form-data.');
    const json = isRecord(record.json) ? record.json : undefined;
    return HANDLERS[route.endpoint]({ endpoint: route.endpoint, route, json, formData, model, controls, sequence: record.index, createdAt, baseUrl, query: record.query });
  }

  async function handle(wire: WireRequest, state: SocketState): Promise<void> {
    const url = new URL(wire.target, baseUrl);
    const scriptRoute = /^\/__mock\/scripts\/([^/]+)$/.exec(url.pathname);
    if (scriptRoute !== null && (wire.method === 'PUT' || wire.method === 'POST')) {
      const parsed = parseJson(new TextDecoder().decode(wire.body));
      let reply: MockReply = jsonReply(400, { error: 'body must be a JSON object of controls' });
      if (isRecord(parsed)) {
        try {
          scripts[decodeURIComponent(scriptRoute[1] ?? '')] = controlsFromJson(parsed);
          reply = { status: 204, headers: {}, parts: [], streaming: false };
        } catch (error) {
          reply = jsonReply(400, { error: error instanceof Error ? error.message : String(error) });
        }
      }
      await writeReply(state.connection, plan(reply, {}, 'content-length'), { onProgress: () => {} });
      return;
    }

    sequence += 1;
    const contentType = wire.headers['content-type'] ?? '';
    const bodyText = contentType.startsWith('multipart/') ? '' : new TextDecoder().decode(wire.body);
    let formData: ParsedFormData | undefined;
    if (contentType.startsWith('multipart/form-data')) {
      formData = await new Response(wire.body, { headers: { 'content-type': contentType } }).formData().catch(() => undefined);
    }
    const json = contentType.includes('json') || bodyText.startsWith('{') ? parseJson(bodyText) : undefined;
    const matched = matchRoute(wire.method, url.pathname);
    const route = matched.kind === 'matched' ? matched.route : undefined;
    const formModel = formData?.get('model');
    const model = route?.model ?? readString(isRecord(json) ? json : undefined, 'model') ?? (typeof formModel === 'string' ? formModel : undefined) ?? route?.deployment;
    let controls: MockControls = {};
    let controlError: string | undefined;
    try {
      controls = { ...defaults, ...controlsFromModel(model, scripts), ...controlsFromHeaders(wire.headers, scripts) };
    } catch (error) {
      controlError = error instanceof Error ? error.message : String(error);
    }
    const dialect = route === undefined ? undefined : DIALECTS[route.form];
    const { key, header } = dialect?.credentials(wire.headers, url.searchParams) ?? bearerKey(wire.headers);
    const record: RecordedRequest = {
      index: sequence,
      method: wire.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: wire.headers,
      bodySha256: createHash('sha256').update(wire.body).digest('hex'),
      bodyBytes: wire.body.byteLength,
      json,
      multipartFields: formData === undefined ? undefined : [...formData.keys()],
      apiKey: key,
      keyHeader: header,
      endpoint: route?.endpoint,
      form: route?.form,
      deployment: route?.deployment,
      apiVersion: url.searchParams.get('api-version') ?? undefined,
      model,
      controls,
      reply: { status: undefined, ending: 'in-flight', chunksWritten: 0, usage: undefined },
    };
    requests.push(record);

    let reply: MockReply;
    try {
      reply = answer(wire, url, record, route, formData, controlError);
    } catch (error) {
      reply = jsonReply(500, { error: { message: `mock handler failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`, type: 'mock_error', param: null, code: null } });
    }
    record.reply.usage = reply.usage;
    const headers: Record<string, string> = {
      ...reply.headers,
      ...(dialect?.replyHeaders(record) ?? { 'x-request-id': `req_mock${String(record.index).padStart(6, '0')}`, 'openai-version': '2020-10-01', 'openai-processing-ms': '1' }),
      ...(route?.form === 'azure' ? { 'apim-request-id': `00000000-0000-4000-8000-${String(record.index).padStart(12, '0')}` } : {}),
      ...(controls.retryAfter === undefined ? {} : { 'retry-after': controls.retryAfter }),
    };
    const framing = controls.framing ?? (reply.streaming ? 'chunked' : 'content-length');
    const clientCloses = wire.headers.connection?.toLowerCase() === 'close';
    const ending = await writeReply(state.connection, plan({ ...reply, headers }, controls, framing, clientCloses), {
      onProgress: (written) => {
        record.reply.status = reply.status;
        record.reply.chunksWritten = written;
      },
    });
    record.reply.ending = ending === 'client-gone' && stopping ? 'stopped' : ending === 'completed' && reply.errorEvent === true ? 'error-event' : ending;
    if (record.reply.ending === 'completed' && reply.status < 300 && route !== undefined && route.endpoint !== 'models') {
      const completed: CompletedReply = { requestIndex: record.index, endpoint: route.endpoint, model: record.model ?? '', apiKey: key, stream: reply.streaming, usage: reply.usage, chunks: reply.parts.length, text: reply.text ?? '' };
      completedReplies.push(completed);
      if (reply.streaming) completedStreams.push(completed);
    }
  }

  function plan(reply: MockReply, controls: MockControls, framing: WirePlan['framing'], clientCloses = false): WirePlan {
    const graceMs = controls.cutGraceMs ?? DEFAULT_CUT_GRACE_MS;
    const cut = controls.resetAfterChunks !== undefined
      ? { afterParts: controls.resetAfterChunks, how: 'reset' as const, graceMs }
      : controls.finAfterChunks !== undefined
        ? { afterParts: controls.finAfterChunks, how: 'fin' as const, graceMs }
        : controls.stallAfterChunks !== undefined
          ? { afterParts: controls.stallAfterChunks, how: 'stall' as const, graceMs: 0 }
          : undefined;
    return {
      status: reply.status,
      headers: reply.headers,
      parts: reply.parts,
      framing,
      keepAlive: keepAlive && !clientCloses,
      firstByteDelayMs: controls.firstByteDelayMs ?? 0,
      chunkDelayMs: controls.chunkDelayMs ?? 0,
      dripBytes: controls.dripBytes,
      hang: controls.hang === true,
      cut,
    };
  }

  async function pump(state: SocketState): Promise<void> {
    if (state.pumping) return;
    state.pumping = true;
    try {
      while (!state.connection.closed) {
        let wire: WireRequest | undefined;
        try {
          wire = state.parser.take();
        } catch (error) {
          const message = error instanceof ProtocolError ? error.message : String(error);
          state.connection.socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(message)}\r\nconnection: close\r\n\r\n${message}`);
          return;
        }
        if (wire === undefined) {
          if (state.parser.expectsContinue) {
            state.parser.continueWritten();
            await state.connection.write('HTTP/1.1 100 Continue\r\n\r\n');
          }
          break;
        }
        state.busy = true;
        // A failure here is a bug in the mock: drop the connection so the test sees it, never an unhandled rejection.
        const handling = handle(wire, state).catch(() => {
          state.connection.socket.destroy();
        });
        handlers.add(handling);
        await handling;
        handlers.delete(handling);
      }
    } finally {
      state.pumping = false;
      state.busy = state.parser.hasPendingBytes;
    }
  }

  const server = createServer((socket: Socket) => {
    const state: SocketState = { connection: new Connection(socket), parser: new RequestParser(), busy: true, pumping: false };
    sockets.add(state);
    socket.on('data', (chunk: Buffer) => {
      state.busy = true;
      state.parser.push(chunk);
      void pump(state);
    });
    // A client that resets its side is an expected event here, not a test failure.
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(state));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('mock upstream: no TCP address');
  baseUrl = `http://127.0.0.1:${address.port}`;

  const openConnections = (): number => [...sockets].filter((state) => state.busy).length;
  return {
    url: baseUrl,
    port: address.port,
    requests,
    completedReplies,
    completedStreams,
    openConnections,
    openSockets: () => sockets.size,
    async waitUntilIdle(timeoutMs = 2000) {
      const deadline = Date.now() + timeoutMs;
      while (openConnections() > 0) {
        if (Date.now() > deadline) throw new Error(`mock upstream: ${openConnections()} connection(s) still busy after ${timeoutMs} ms`);
        await Bun.sleep(5);
      }
    },
    defineScript(name, controls) {
      scripts[name] = controls;
    },
    setDefaults(controls) {
      defaults = { ...controls };
    },
    reset() {
      requests.length = 0;
      completedReplies.length = 0;
      completedStreams.length = 0;
      sequence = 0;
      scripts = { ...initialScripts };
      defaults = { ...options.defaults };
    },
    async stop() {
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const state of sockets) state.connection.socket.destroy();
      await Promise.allSettled([...handlers]);
      await closed;
    },
  };
}
