import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import { setTimeout as sleep } from 'node:timers/promises';
import { StatusError, type Status } from '../api/errors.ts';
import type { KubeObject } from '../api/object.ts';
import type { DeleteOptions, KubeClient, ListOptions, ObjectList, PatchOptions, WatchOptions, WriteOptions } from './interface.ts';
import { loadKubeconfig, type ClientConfig } from './kubeconfig.ts';
import { resourcePath, type ResourceRef } from './resource-ref.ts';
import { statusErrorFromResponse } from './status.ts';
import { WatchStream } from './watch-stream.ts';

/** Default User-Agent, in client-go's `name/version (os/arch)` shape. */
export const DEFAULT_USER_AGENT = `skiff/0.1.0 (${process.platform}/${process.arch})`;
/** A unary request that takes longer than this fails; watches have no limit. */
const DEFAULT_TIMEOUT_MS = 60_000;
/** client-go's maxRetries for 429 answers. */
const MAX_THROTTLED_RETRIES = 10;
/** Like client-go's HTTP/2 health check: ping an idle-looking connection, drop it when the ping is not answered. */
const PING_INTERVAL_MS = 30_000;
const PING_TIMEOUT_MS = 15_000;
/**
 * HTTP/2 receive windows of Go's transport, which client-go uses: 4 MiB per stream, 1 GiB per
 * connection. Node's default is 64 KiB for both, so a busy server could send a watch only 64 KiB
 * per turn of its event loop (the turn that reads our WINDOW_UPDATE): the simulated agent's pod
 * watch got ~300 events/s, fell behind, and was closed as a slow watcher again and again.
 */
const STREAM_WINDOW_BYTES = 4 * 1024 * 1024;
const CONNECTION_WINDOW_BYTES = 1024 * 1024 * 1024;

/** Content types of the four patch formats, as the API server dispatches on them. */
const PATCH_CONTENT_TYPES = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

type QueryValue = string | number | boolean | undefined;

/** A raw request: path and query relative to the server, body as JSON value, string or bytes. */
export interface RawRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  contentType?: string;
  accept?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Overrides the client's request timeout; 0 waits forever. */
  timeoutMs?: number;
}

/** A raw response with its body read. */
export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Options of a RestClient beyond the connection itself. */
export interface RestClientOptions extends ClientConfig {
  /** Timeout of unary requests in ms (default 60 s); 0 disables it. */
  timeoutMs?: number;
}

/**
 * A Kubernetes REST client over one HTTP/2 connection (`node:http2`): every request and watch is a
 * stream on that session. The session is replaced after GOAWAY, close or error, so a restarted API
 * server is picked up by the next request; a request that failed because its session died before
 * answering is retried once on a new one. The connection does not keep the process alive while no
 * request or watch is open. Failures the server reports are thrown as `StatusError` built from its
 * Status body; transport failures are thrown as they are.
 */
export class RestClient implements KubeClient {
  readonly userAgent: string;
  private session?: ClientHttp2Session;
  private active = 0;
  private pingTimer?: NodeJS.Timeout;

  constructor(readonly config: RestClientOptions) {
    this.userAgent = config.userAgent ?? DEFAULT_USER_AGENT;
  }

  /** A client for the current context (or `opts.context`) of a kubeconfig file. */
  static fromKubeconfig(path: string, opts: { context?: string; userAgent?: string; timeoutMs?: number } = {}): RestClient {
    const { namespace: _namespace, ...config } = loadKubeconfig(path, opts.context);
    return new RestClient({ ...config, userAgent: opts.userAgent ?? config.userAgent, timeoutMs: opts.timeoutMs });
  }

  /** The same server and credentials with another User-Agent (and so another default field manager). */
  withUserAgent(userAgent: string): RestClient {
    return new RestClient({ ...this.config, userAgent });
  }

  /** Closes the connection; open watches end. The client reconnects if used again. */
  close(): void {
    const session = this.session;
    this.session = undefined;
    clearInterval(this.pingTimer);
    this.pingTimer = undefined;
    session?.close();
  }

  async get<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string | undefined, name: string, opts: { signal?: AbortSignal } = {}): Promise<T> {
    return this.json<T>({ method: 'GET', path: resourcePath(ref, { namespace, name }), signal: opts.signal });
  }

  async list<T extends KubeObject = KubeObject>(ref: ResourceRef, opts: ListOptions = {}): Promise<ObjectList<T>> {
    const query = { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, limit: opts.limit, continue: opts.continue, resourceVersion: opts.resourceVersion, resourceVersionMatch: opts.resourceVersionMatch };
    return this.json({ method: 'GET', path: resourcePath(ref, { namespace: opts.namespace }), query, signal: opts.signal });
  }

  async create<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: T, opts: WriteOptions & { namespace?: string } = {}): Promise<T> {
    const namespace = obj.metadata?.namespace ?? opts.namespace;
    return this.json<T>({ method: 'POST', path: resourcePath(ref, { namespace }), query: writeQuery(opts), body: withTypeMeta(ref, obj), signal: opts.signal });
  }

  async update<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.put(ref, obj, undefined, opts);
  }

  async updateStatus<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.put(ref, obj, 'status', opts);
  }

  async patch<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string | undefined, name: string, patch: unknown, opts: PatchOptions): Promise<T> {
    const query: Record<string, QueryValue> = writeQuery(opts);
    if (opts.type === 'apply' && opts.force !== undefined) query.force = opts.force;
    const path = resourcePath(ref, { namespace, name, subresource: opts.subresource });
    return this.json<T>({ method: 'PATCH', path, query, body: patch, contentType: PATCH_CONTENT_TYPES[opts.type], signal: opts.signal });
  }

  async delete(ref: ResourceRef, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<KubeObject | Status> {
    return this.json({ method: 'DELETE', path: resourcePath(ref, { namespace, name }), body: deleteBody(opts), signal: opts.signal });
  }

  /** Deletes every object a list would return (`DELETE` on the collection, with its selectors). */
  async deleteCollection(ref: ResourceRef, opts: ListOptions & DeleteOptions = {}): Promise<KubeObject | Status> {
    const query = { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector };
    return this.json({ method: 'DELETE', path: resourcePath(ref, { namespace: opts.namespace }), query, body: deleteBody(opts), signal: opts.signal });
  }

  async watch<T extends KubeObject = KubeObject>(ref: ResourceRef, opts: WatchOptions = {}): Promise<WatchStream<T>> {
    const query = {
      watch: true,
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      resourceVersion: opts.resourceVersion,
      allowWatchBookmarks: opts.allowWatchBookmarks,
      timeoutSeconds: opts.timeoutSeconds,
      sendInitialEvents: opts.sendInitialEvents,
      // kube-apiserver refuses sendInitialEvents without it (422): the initial events are at least as new as asked.
      resourceVersionMatch: opts.sendInitialEvents ? 'NotOlderThan' : undefined,
    };
    const { stream } = await this.open({ method: 'GET', path: resourcePath(ref, { namespace: opts.namespace }), query, signal: opts.signal, timeoutMs: 0 });
    const watch = new WatchStream<T>(stream, () => closeStream(stream));
    opts.signal?.addEventListener('abort', () => watch.close(), { once: true });
    return watch;
  }

  /**
   * Sends one request and reads the whole response; a status of 300 or more is thrown as
   * StatusError. A failure before any answer on a session that was already in use is retried once
   * on a fresh session when the request cannot have been processed (GET, or a refused stream).
   */
  async request(req: RawRequest): Promise<RawResponse> {
    // client-go honours 429 TooManyRequests (API Priority and Fairness) the same way: wait
    // Retry-After seconds (1 without the header) and send again, up to 10 times.
    for (let throttled = 0; ; throttled++) {
      try {
        return await this.requestOnce(req);
      } catch (err) {
        const retryAfter = err instanceof StatusError && err.code === 429 ? (err.details?.retryAfterSeconds ?? 1) : undefined;
        if (retryAfter === undefined || throttled >= MAX_THROTTLED_RETRIES || req.signal?.aborted) throw err;
        await sleep(Math.min(retryAfter, 60) * 1000, undefined, { signal: req.signal }).catch(() => {});
        if (req.signal?.aborted) throw err;
      }
    }
  }

  private async requestOnce(req: RawRequest): Promise<RawResponse> {
    for (let attempt = 0; ; attempt++) {
      const reused = this.session !== undefined;
      let answered = false;
      try {
        const res = await this.exchange(req, () => (answered = true));
        if (res.status >= 300) throw statusErrorFromResponse(res.status, res.body);
        return res;
      } catch (err) {
        if (answered || attempt > 0 || !reused || !retriable(err, req.method)) throw err;
        this.dropSession();
      }
    }
  }

  private async json<T>(req: RawRequest): Promise<T> {
    const res = await this.request(req);
    return JSON.parse(res.body.toString('utf8')) as T;
  }

  private async put<T extends KubeObject>(ref: ResourceRef, obj: T, subresource: string | undefined, opts: WriteOptions): Promise<T> {
    const path = resourcePath(ref, { namespace: obj.metadata?.namespace, name: obj.metadata?.name ?? '', subresource });
    return this.json<T>({ method: 'PUT', path, query: writeQuery(opts), body: withTypeMeta(ref, obj), signal: opts.signal });
  }

  /**
   * Opens a stream and waits for its response headers. A non-2xx answer is read and thrown as a
   * StatusError. A failure before any answer on a session that was already in use is retried once
   * on a fresh session when the request cannot have been processed (GET, or a refused stream).
   */
  private async open(req: RawRequest): Promise<{ stream: ClientHttp2Stream; status: number; headers: IncomingHttpHeaders }> {
    for (let attempt = 0; ; attempt++) {
      const reused = this.session !== undefined;
      try {
        const opened = await this.openOnce(req);
        if (opened.status >= 300) throw statusErrorFromResponse(opened.status, await readAll(opened.stream, req.signal));
        return opened;
      } catch (err) {
        if (attempt > 0 || !reused || !retriable(err, req.method)) throw err;
        this.dropSession();
      }
    }
  }

  /**
   * One unary request: sends it and reads the whole response in a single pass (one promise, one
   * set of listeners: unary calls are the scheduler's and controllers' hottest path).
   * `onAnswer` runs when the response headers arrive.
   */
  private exchange(req: RawRequest, onAnswer: () => void): Promise<RawResponse> {
    const stream = this.send(req);
    return new Promise((resolve, reject) => {
      let settled = false;
      let status = 0;
      let headers: IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      const settle = (err: Error | undefined): void => {
        if (settled) return;
        settled = true;
        req.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve({ status, headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
      };
      const onAbort = (): void => {
        closeStream(stream);
        settle(req.signal!.reason ?? new Error('aborted'));
      };
      req.signal?.addEventListener('abort', onAbort, { once: true });
      stream.once('response', (h) => {
        status = Number(h[':status']);
        headers = h;
        onAnswer();
      });
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.once('end', () => settle(status ? undefined : new Error('stream ended before a response')));
      stream.once('error', (err) => settle(err));
      // Only a stream that closes before 'end' is a failure; build that Error (a stack trace) only then.
      stream.once('close', () => {
        if (!settled) settle(new Error(`stream closed before the response ended (code ${stream.rstCode})`));
      });
    });
  }

  /** Opens the request's stream on the session and sends its headers and body. */
  private send(req: RawRequest): ClientHttp2Stream {
    req.signal?.throwIfAborted();
    const session = this.ensureSession();
    const body = encodeBody(req.body);
    const headers: Record<string, string> = {
      ':method': req.method,
      ':path': req.path + queryString(req.query),
      'user-agent': this.userAgent,
      accept: req.accept ?? 'application/json',
      ...req.headers,
    };
    if (this.config.token) headers.authorization = `Bearer ${this.config.token}`;
    if (body !== undefined) headers['content-type'] = req.contentType ?? 'application/json';
    const stream = session.request(headers, { endStream: body === undefined });
    this.track(stream);
    if (body !== undefined) stream.end(body);
    const timeoutMs = req.timeoutMs ?? this.config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (timeoutMs > 0) stream.setTimeout(timeoutMs, () => stream.destroy(new Error(`request ${req.method} ${req.path} timed out after ${timeoutMs} ms`)));
    return stream;
  }

  private openOnce(req: RawRequest): Promise<{ stream: ClientHttp2Stream; status: number; headers: IncomingHttpHeaders }> {
    const stream = this.send(req);
    return new Promise((resolve, reject) => {
      let answered = false;
      const onAbort = (): void => {
        closeStream(stream);
        reject(req.signal!.reason ?? new Error('aborted'));
      };
      req.signal?.addEventListener('abort', onAbort, { once: true });
      stream.once('error', reject);
      stream.once('close', () => {
        if (!answered) reject(new Error(`stream closed before a response (code ${stream.rstCode})`));
      });
      stream.once('response', (h) => {
        answered = true;
        req.signal?.removeEventListener('abort', onAbort);
        resolve({ stream, status: Number(h[':status']), headers: h });
      });
    });
  }

  private ensureSession(): ClientHttp2Session {
    const current = this.session;
    if (current && !current.closed && !current.destroyed) return current;
    const { ca, cert, key, insecureSkipTLSVerify } = this.config;
    const session = connect(this.config.server, { ca, cert, key, rejectUnauthorized: !insecureSkipTLSVerify, settings: { initialWindowSize: STREAM_WINDOW_BYTES } });
    session.once('connect', () => session.setLocalWindowSize(CONNECTION_WINDOW_BYTES));
    // A GOAWAY (server shutting down) or a dead connection retires the session; the next request dials again.
    session.on('goaway', () => this.dropSession(session));
    session.on('close', () => this.dropSession(session));
    session.on('error', () => this.dropSession(session));
    session.unref();
    this.session = session;
    this.startPings();
    return session;
  }

  private dropSession(session = this.session): void {
    if (!session) return;
    if (this.session === session) this.session = undefined;
    if (!session.destroyed) session.destroy();
  }

  /** Keeps the connection referenced (the process alive) only while a request or watch is open. */
  private track(stream: ClientHttp2Stream): void {
    if (this.active++ === 0) this.session?.ref();
    stream.once('close', () => {
      if (--this.active === 0) this.session?.unref();
    });
  }

  private startPings(): void {
    if (this.pingTimer) return;
    this.pingTimer = setInterval(() => {
      const session = this.session;
      if (!session || this.active === 0 || session.destroyed) return;
      const timer = setTimeout(() => this.dropSession(session), PING_TIMEOUT_MS).unref();
      const sent = session.ping((err) => {
        clearTimeout(timer);
        if (err) this.dropSession(session);
      });
      if (!sent) clearTimeout(timer);
    }, PING_INTERVAL_MS).unref();
  }
}

function retriable(err: unknown, method: string): boolean {
  if (typeof err !== 'object' || err === null || 'reason' in err) return false; // StatusErrors are answers, not transport failures.
  const { code, message } = err as { code?: string; message?: string };
  if (code === 'ERR_HTTP2_GOAWAY_SESSION' || code === 'ERR_HTTP2_INVALID_SESSION') return true;
  // Refused before the server looked at it: REFUSED_STREAM, or Node's ENHANCE_YOUR_CALM when the session is over its memory cap.
  if (message?.includes('REFUSED_STREAM') || message?.includes('ENHANCE_YOUR_CALM')) return true;
  return method === 'GET';
}

function closeStream(stream: ClientHttp2Stream): void {
  if (!stream.closed && !stream.destroyed) stream.close(constants.NGHTTP2_CANCEL);
}

function readAll(stream: ClientHttp2Stream, signal?: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onAbort = (): void => {
      closeStream(stream);
      reject(signal!.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    let ended = false;
    stream.once('end', () => {
      ended = true;
      signal?.removeEventListener('abort', onAbort);
      resolve(Buffer.concat(chunks));
    });
    stream.once('error', reject);
    stream.once('close', () => {
      if (!ended) reject(new Error(`stream closed before the response ended (code ${stream.rstCode})`));
    });
  });
}

function queryString(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function encodeBody(body: unknown): Buffer | string | undefined {
  if (body === undefined) return undefined;
  if (typeof body === 'string' || Buffer.isBuffer(body)) return body;
  return JSON.stringify(body);
}

function writeQuery(opts: WriteOptions): Record<string, QueryValue> {
  return { dryRun: opts.dryRun ? 'All' : undefined, fieldManager: opts.fieldManager, fieldValidation: opts.fieldValidation };
}

function deleteBody(opts: DeleteOptions): Record<string, unknown> {
  const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
  if (opts.propagationPolicy) body.propagationPolicy = opts.propagationPolicy;
  if (opts.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = opts.gracePeriodSeconds;
  if (opts.preconditions) body.preconditions = opts.preconditions;
  if (opts.dryRun) body.dryRun = ['All'];
  return body;
}

/** Fills apiVersion and kind from the resource when the caller left them out (the API requires them). */
function withTypeMeta<T extends KubeObject>(ref: ResourceRef, obj: T): T {
  if ((obj.apiVersion && obj.kind) || !ref.kind) return obj;
  const apiVersion = ref.group ? `${ref.group}/${ref.version}` : ref.version;
  return { ...obj, apiVersion: obj.apiVersion ?? apiVersion, kind: obj.kind ?? ref.kind };
}
