/**
 * The one gRPC client of skiff: unary calls over HTTP/2 (node:http2) without TLS, to a unix socket
 * (CRI to containerd) or to TCP (etcd writes, gRPC health probes). Length-prefixed messages,
 * `grpc-timeout` deadlines, the status from the trailers (or a trailers-only response) and errors
 * carrying gRPC status codes. No gRPC library in between: grpc-js' channel machinery cost the agent
 * ~11 MiB of memory, and an etcd write through etcd3 + grpc-js 4x the CPU (bench/etcd-client-cost.ts).
 *
 * The connection is made on first use and again after it drops, so a client can be created
 * before its server listens. Each call is attempted once. Deadlines share one timer per client,
 * armed for the earliest pending deadline, instead of one timer per call.
 */
import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { Buffer } from 'node:buffer';

/** gRPC status code names by number, as grpc-go and grpc-js spell them. */
export const GRPC_CODE_NAMES = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL',
  'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'] as const;

/** The gRPC status codes this client produces itself. */
export const GrpcStatus = {
  DEADLINE_EXCEEDED: 4,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

/** A failed call: the gRPC status code (the server's, or one of GrpcStatus) and its message. */
export class GrpcCallError extends Error {
  /** The code's name, e.g. `UNAVAILABLE`. */
  readonly codeName: string;

  constructor(readonly code: number, readonly details: string) {
    const codeName = GRPC_CODE_NAMES[code] ?? String(code);
    super(`${codeName}: ${details}`);
    this.name = 'GrpcCallError';
    this.codeName = codeName;
  }
}

/** Options of GrpcUnaryClient. */
export interface GrpcUnaryClientOptions {
  /** Largest response message accepted (default 4 MiB, gRPC's default). */
  maxReceiveBytes?: number;
}

/** Where the server listens: a unix socket path, or a TCP host and port. */
export type GrpcTarget = string | { host: string; port: number };

/** A call in flight, as the deadline timer and `close` see it. */
interface Pending {
  deadline: number;
  fail(err: GrpcCallError): void;
}

/** Unary gRPC calls to one server over one lazily (re)opened HTTP/2 session. */
export class GrpcUnaryClient {
  private session?: ClientHttp2Session;
  private closed = false;
  private readonly maxReceiveBytes: number;
  private readonly authority: string;
  private readonly pending = new Set<Pending>();
  private timer?: NodeJS.Timeout;
  /** When the timer fires (Infinity: not armed). */
  private timerAt = Infinity;
  /** Request headers by method path, built once per path and timeout (node:http2 copies them). */
  private readonly headers = new Map<string, { timeoutMs: number; headers: OutgoingHttpHeaders }>();

  constructor(private readonly target: GrpcTarget, options: GrpcUnaryClientOptions = {}) {
    this.maxReceiveBytes = options.maxReceiveBytes ?? 4 * 1024 * 1024;
    this.authority = typeof target === 'string' ? 'http://localhost' : `http://${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
  }

  /** Closes the connection; calls in flight and later calls reject with UNAVAILABLE. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    this.session?.destroy();
    this.session = undefined;
    for (const p of [...this.pending]) p.fail(new GrpcCallError(GrpcStatus.UNAVAILABLE, 'client closed'));
  }

  private connection(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const target = this.target;
    // TCP goes through node:http2's own connect; a unix socket needs its own socket.
    const session = typeof target === 'string' ? connect(this.authority, { createConnection: () => netConnect(target) }) : connect(this.authority);
    // An idle connection must not keep the process alive; a pending call's deadline timer does.
    session.unref();
    const drop = (): void => {
      if (this.session === session) this.session = undefined;
    };
    session.on('error', drop);
    session.on('close', drop);
    session.on('goaway', drop);
    this.session = session;
    return session;
  }

  private requestHeaders(path: string, timeoutMs: number): OutgoingHttpHeaders {
    const cached = this.headers.get(path);
    if (cached && cached.timeoutMs === timeoutMs) return cached.headers;
    const headers = {
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: `/${path}`,
      'content-type': 'application/grpc',
      te: 'trailers',
      'grpc-timeout': grpcTimeout(timeoutMs),
    };
    this.headers.set(path, { timeoutMs, headers });
    return headers;
  }

  /**
   * Calls `path` (`package.Service/Method`) with one encoded request message; resolves the encoded
   * response message, or rejects with GrpcCallError: the server's status, DEADLINE_EXCEEDED past
   * `timeoutMs`, UNAVAILABLE when the server cannot be reached or the connection drops,
   * RESOURCE_EXHAUSTED past maxReceiveBytes, INTERNAL for a malformed response.
   */
  call(path: string, request: Uint8Array, timeoutMs: number): Promise<Buffer> {
    if (this.closed) return Promise.reject(new GrpcCallError(GrpcStatus.UNAVAILABLE, 'client closed'));
    return new Promise<Buffer>((resolve, reject) => {
      let stream: ReturnType<ClientHttp2Session['request']>;
      try {
        stream = this.connection().request(this.requestHeaders(path, timeoutMs));
      } catch (err) {
        reject(new GrpcCallError(GrpcStatus.UNAVAILABLE, (err as Error).message));
        return;
      }
      const chunks: Buffer[] = [];
      let received = 0;
      let headers: IncomingHttpHeaders | undefined;
      let settled = false;
      const finish = (err: GrpcCallError | undefined, body?: Buffer): void => {
        if (settled) return;
        settled = true;
        this.pending.delete(call);
        if (this.pending.size === 0) this.timer?.unref();
        if (err) reject(err);
        else resolve(body!);
      };
      const call: Pending = {
        deadline: Date.now() + timeoutMs,
        fail: (err) => {
          stream.close(constants.NGHTTP2_CANCEL);
          finish(err);
        },
      };
      this.track(call);
      stream.on('response', (h) => (headers = h));
      // The status is in the trailers, or in the headers of a trailers-only (error) response.
      stream.on('trailers', (t) => (headers = headers ? { ...headers, ...t } : t));
      stream.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > this.maxReceiveBytes + 5) {
          call.fail(new GrpcCallError(GrpcStatus.RESOURCE_EXHAUSTED, `Received message larger than max (${received} vs. ${this.maxReceiveBytes})`));
          return;
        }
        chunks.push(chunk);
      });
      stream.on('error', (err) => finish(new GrpcCallError(GrpcStatus.UNAVAILABLE, `Connection failed: ${err.message}`)));
      stream.on('close', () => {
        if (!settled) finish(...responseOf(headers, chunks));
      });
      const frame = Buffer.allocUnsafe(5 + request.length);
      frame[0] = 0;
      frame.writeUInt32BE(request.length, 1);
      frame.set(request, 5);
      stream.end(frame);
    });
  }

  /** Adds a call to the pending set, arming the timer if its deadline is the earliest. */
  private track(call: Pending): void {
    this.pending.add(call);
    if (call.deadline < this.timerAt) this.arm(call.deadline);
    else this.timer?.ref();
  }

  private arm(at: number): void {
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.expire(), Math.max(0, at - Date.now()));
  }

  /** Fails the calls past their deadline and re-arms for the earliest remaining one. */
  private expire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const p of this.pending) {
      if (p.deadline <= now) p.fail(new GrpcCallError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded'));
      else if (p.deadline < next) next = p.deadline;
    }
    if (next < Infinity) this.arm(next);
  }
}

/** The outcome of a finished stream: its status, and on OK the one response message. */
function responseOf(headers: IncomingHttpHeaders | undefined, chunks: Buffer[]): [GrpcCallError | undefined, Buffer?] {
  const status = headers?.['grpc-status'];
  if (status === undefined) {
    const http = Number(headers?.[constants.HTTP2_HEADER_STATUS] ?? 0);
    return [http ? new GrpcCallError(GrpcStatus.INTERNAL, `Received HTTP status ${http} without a gRPC status`) : new GrpcCallError(GrpcStatus.UNAVAILABLE, 'Connection dropped before the call answered')];
  }
  if (status !== '0') return [new GrpcCallError(Number(status), decodeMessage(String(headers?.['grpc-message'] ?? '')))];
  const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  if (body.length < 5) return [new GrpcCallError(GrpcStatus.INTERNAL, 'Response has no message')];
  if (body[0] !== 0) return [new GrpcCallError(GrpcStatus.INTERNAL, 'Compressed responses are not supported')];
  const len = body.readUInt32BE(1);
  if (len > body.length - 5) return [new GrpcCallError(GrpcStatus.INTERNAL, 'Truncated response message')];
  return [undefined, body.subarray(5, 5 + len)];
}

/** grpc-timeout: at most eight digits and a unit. */
function grpcTimeout(ms: number): string {
  const value = Math.max(1, Math.ceil(ms));
  return value < 1e8 ? `${value}m` : `${Math.ceil(value / 1000)}S`;
}

/** grpc-message is percent-encoded. */
function decodeMessage(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
