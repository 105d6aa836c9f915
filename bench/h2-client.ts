/**
 * A lean HTTP/2 client for load generation: one TLS session authenticated with the kubeconfig's
 * client certificate (kube-apiserver and skiff both speak HTTP/2), buffered requests with a hard
 * timeout, and raw streams for watches. Lighter than a full Kubernetes client, so the benchmark
 * measures the server rather than the client library.
 */
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream, type OutgoingHttpHeaders } from 'node:http2';
import type { Credentials } from './kubeconfig.ts';

/** A buffered response. `status` is 0 when the request failed below HTTP (reset, timeout). */
export interface H2Response {
  status: number;
  /** The response body; empty when the request asked to discard it (`bytes` still counts it). */
  body: Buffer;
  /** Response body length in bytes (also when the body was discarded). */
  bytes: number;
  /** Milliseconds from sending the request to the last byte of the response. */
  ms: number;
  error?: string;
}

/** One request. `body` objects are sent as JSON. */
export interface H2Request {
  method?: string;
  path: string;
  body?: unknown;
  accept?: string;
  contentType?: string;
  /** Hard limit; the stream is cancelled and status 0 returned after it. Default 30 s. */
  timeoutMs?: number;
  /**
   * Count the response's bytes without keeping them: a load generator that only checks a list's
   * status and size need not copy hundreds of kilobytes per response (it did, and it showed).
   */
  discardBody?: boolean;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/**
 * Flow-control windows of Go's HTTP/2 transport, which client-go (kubectl, controllers) uses: 4 MiB
 * per stream, 1 GiB per connection. Node's default (64 KiB) would throttle large LIST responses on
 * WINDOW_UPDATE round trips and measure the client, not the server.
 */
const STREAM_WINDOW = 4 << 20;
const CONNECTION_WINDOW = 1 << 30;

/** One HTTP/2 session to the API server. Every request is bounded by a timeout. */
export class H2Client {
  private constructor(
    private readonly session: ClientHttp2Session,
    private readonly token?: string,
  ) {}

  /** Opens a session and waits (at most `timeoutMs`) for the server's SETTINGS frame. */
  static async connect(creds: Credentials, timeoutMs = 10_000): Promise<H2Client> {
    const session = connect(creds.server, { ca: creds.ca, cert: creds.cert, key: creds.key, settings: { initialWindowSize: STREAM_WINDOW } });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        session.destroy();
        reject(new Error(`HTTP/2 connect to ${creds.server} timed out`));
      }, timeoutMs);
      session.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      // remoteSettings carries the server's SETTINGS_MAX_CONCURRENT_STREAMS, which bounds watchers.
      session.once('remoteSettings', () => {
        clearTimeout(timer);
        session.setLocalWindowSize(CONNECTION_WINDOW);
        resolve();
      });
    });
    session.on('error', () => {});
    return new H2Client(session, creds.token);
  }

  /** Opens `n` sessions one after another (TLS handshakes are CPU-bound; parallelism buys nothing on 2 cores). */
  static async connectMany(creds: Credentials, n: number): Promise<H2Client[]> {
    const clients: H2Client[] = [];
    for (let i = 0; i < n; i++) clients.push(await H2Client.connect(creds));
    return clients;
  }

  /** The server's advertised concurrent-stream limit (2^32-1 when it advertised none). */
  maxConcurrentStreams(): number {
    return this.session.remoteSettings.maxConcurrentStreams ?? 2 ** 32 - 1;
  }

  private headers(req: H2Request, hasBody: boolean): OutgoingHttpHeaders {
    const headers: OutgoingHttpHeaders = {
      ':method': req.method ?? 'GET',
      ':path': req.path,
      accept: req.accept ?? 'application/json',
    };
    if (hasBody) headers['content-type'] = req.contentType ?? 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    return headers;
  }

  /** Sends a request and buffers the whole response. Never rejects: failures come back as status 0. */
  request(req: H2Request): Promise<H2Response> {
    const started = performance.now();
    const payload = req.body === undefined ? undefined : typeof req.body === 'string' || Buffer.isBuffer(req.body) ? req.body : JSON.stringify(req.body);
    return new Promise((resolve) => {
      let done = false;
      const chunks: Buffer[] = [];
      let bytes = 0;
      const finish = (status: number, error?: string): void => {
        if (done) return;
        done = true;
        // One chunk (a small object's whole answer) is used as is: Buffer.concat would copy it.
        const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        resolve({ status, body, bytes, ms: performance.now() - started, error });
      };
      let stream: ClientHttp2Stream;
      try {
        stream = this.session.request(this.headers(req, payload !== undefined), { endStream: payload === undefined });
      } catch (err) {
        finish(0, err instanceof Error ? err.message : String(err));
        return;
      }
      let status = 0;
      const keep = !req.discardBody;
      stream.setTimeout(req.timeoutMs ?? DEFAULT_TIMEOUT_MS, () => {
        stream.close(constants.NGHTTP2_CANCEL);
        finish(0, 'timeout');
      });
      stream.on('response', (h) => (status = Number(h[':status'])));
      stream.on('data', (c: Buffer) => {
        bytes += c.length;
        if (keep) chunks.push(c);
      });
      stream.on('end', () => finish(status));
      stream.on('error', (err) => finish(0, err.message));
      stream.on('close', () => finish(status, status ? undefined : 'closed'));
      if (payload !== undefined) stream.end(payload);
    });
  }

  /** Opens a long-lived GET stream (a watch); the caller reads it and must close it. */
  openStream(path: string, accept = 'application/json'): ClientHttp2Stream {
    return this.session.request(this.headers({ path, accept }, false), { endStream: true });
  }

  /** Closes the session, destroying it if it has not drained within `ms`. */
  async close(ms = 2000): Promise<void> {
    if (this.session.destroyed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.session.destroy();
        resolve();
      }, ms);
      this.session.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** Closes every client; never throws. */
export async function closeAll(clients: readonly H2Client[]): Promise<void> {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
}

/**
 * The first `metadata.resourceVersion` in a JSON object's bytes, found without parsing the body.
 * Kubernetes objects put metadata before spec/data/status and skiff writes it first, so the first
 * `"resourceVersion":"` is the object's own (a List's is its list metadata's). Undefined when absent.
 */
export function resourceVersionIn(body: Buffer): string | undefined {
  const at = body.indexOf(RV_KEY);
  if (at < 0) return undefined;
  const start = at + RV_KEY.length;
  const end = body.indexOf(QUOTE, start);
  return end > start ? body.toString('latin1', start, end) : undefined;
}

const RV_KEY = Buffer.from('"resourceVersion":"');
const QUOTE = 0x22;

/** Parses a JSON response body; undefined when it is not JSON. */
export function jsonBody<T = Record<string, unknown>>(res: H2Response): T | undefined {
  try {
    return JSON.parse(res.body.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}
