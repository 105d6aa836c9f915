/**
 * A minimal gRPC client for unary calls over HTTP/2 (node:http2), enough for CRI over a unix
 * socket and for gRPC health probes: length-prefixed messages, `grpc-timeout` deadlines, and the status from the trailers
 * (or a trailers-only response). The connection is made on first use and again after it drops,
 * so a client can be created before containerd listens. Replaces @grpc/grpc-js in the agent,
 * whose channel machinery cost ~11 MiB of the agent's memory for calls this simple.
 */
import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { Buffer } from 'node:buffer';

/** gRPC status codes by name (the grpc-go spelling in CriError messages is grpc-js'). */
export const GRPC_CODE_NAMES = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL',
  'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'] as const;

const DEADLINE_EXCEEDED = 4;
const RESOURCE_EXHAUSTED = 8;
const INTERNAL = 13;
const UNAVAILABLE = 14;

/** A failed call: gRPC status code and message. */
export class GrpcCallError extends Error {
  constructor(readonly code: number, readonly details: string) {
    super(details);
    this.name = 'GrpcCallError';
  }
}

/** Options of GrpcUnaryClient. */
export interface GrpcUnaryClientOptions {
  /** Largest response message accepted (default 4 MiB, gRPC's default). */
  maxReceiveBytes?: number;
}

/** Where the server listens: a unix socket path, or a TCP host and port (gRPC health probes). */
export type GrpcTarget = string | { host: string; port: number };

/** Unary gRPC calls to one server, over a unix socket or TCP, without TLS. */
export class GrpcUnaryClient {
  private session?: ClientHttp2Session;
  private closed = false;
  private readonly maxReceiveBytes: number;
  private readonly authority: string;

  constructor(private readonly target: GrpcTarget, options: GrpcUnaryClientOptions = {}) {
    this.maxReceiveBytes = options.maxReceiveBytes ?? 4 * 1024 * 1024;
    this.authority = typeof target === 'string' ? 'http://localhost' : `http://${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
  }

  /** Closes the connection; calls in flight fail and later calls reject with UNAVAILABLE. */
  close(): void {
    this.closed = true;
    this.session?.destroy();
    this.session = undefined;
  }

  private connection(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const target = this.target;
    const session = connect(this.authority, { createConnection: () => (typeof target === 'string' ? netConnect(target) : netConnect(target.port, target.host)) });
    // An idle connection must not keep the process alive; a pending call's deadline timer does.
    session.unref();
    const drop = () => { if (this.session === session) this.session = undefined; };
    session.on('error', drop);
    session.on('close', drop);
    session.on('goaway', drop);
    this.session = session;
    return session;
  }

  /**
   * Calls `/<path>` (`package.Service/Method`) with one encoded request message; resolves the
   * encoded response message, or rejects with GrpcCallError (DEADLINE_EXCEEDED past `timeoutMs`,
   * UNAVAILABLE when the server cannot be reached).
   */
  call(path: string, request: Uint8Array, timeoutMs: number): Promise<Buffer> {
    if (this.closed) return Promise.reject(new GrpcCallError(UNAVAILABLE, 'client closed'));
    return new Promise<Buffer>((resolve, reject) => {
      let settled = false;
      const chunks: Buffer[] = [];
      let received = 0;
      let headers: IncomingHttpHeaders = {};
      const finish = (err: GrpcCallError | undefined, body?: Buffer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(body!);
      };
      let stream: ReturnType<ClientHttp2Session['request']>;
      try {
        stream = this.connection().request({
          [constants.HTTP2_HEADER_METHOD]: 'POST',
          [constants.HTTP2_HEADER_PATH]: `/${path}`,
          'content-type': 'application/grpc',
          te: 'trailers',
          'grpc-timeout': grpcTimeout(timeoutMs),
        });
      } catch (err) {
        reject(new GrpcCallError(UNAVAILABLE, (err as Error).message));
        return;
      }
      const timer = setTimeout(() => {
        stream.close(constants.NGHTTP2_CANCEL);
        finish(new GrpcCallError(DEADLINE_EXCEEDED, 'Deadline exceeded'));
      }, timeoutMs);
      stream.on('response', (h) => { headers = h; });
      stream.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > this.maxReceiveBytes + 5) {
          stream.close(constants.NGHTTP2_CANCEL);
          finish(new GrpcCallError(RESOURCE_EXHAUSTED, `Received message larger than max (${received} vs. ${this.maxReceiveBytes})`));
          return;
        }
        chunks.push(chunk);
      });
      // The status is in the trailers, or in the headers of a trailers-only (error) response.
      stream.on('trailers', (t) => { headers = { ...headers, ...t }; });
      stream.on('error', (err) => finish(new GrpcCallError(UNAVAILABLE, `No connection established: ${err.message}`)));
      stream.on('close', () => {
        if (settled) return;
        const status = headers['grpc-status'];
        if (status === undefined) {
          const http = Number(headers[constants.HTTP2_HEADER_STATUS] ?? 0);
          finish(new GrpcCallError(http ? INTERNAL : UNAVAILABLE, http ? `Received HTTP status ${http} without a gRPC status` : 'Connection dropped'));
          return;
        }
        const code = Number(status);
        if (code !== 0) {
          finish(new GrpcCallError(code, decodeMessage(String(headers['grpc-message'] ?? ''))));
          return;
        }
        const body = Buffer.concat(chunks);
        if (body.length < 5) {
          finish(new GrpcCallError(INTERNAL, 'Response has no message'));
          return;
        }
        if (body[0] !== 0) {
          finish(new GrpcCallError(INTERNAL, 'Compressed responses are not supported'));
          return;
        }
        const len = body.readUInt32BE(1);
        if (len > body.length - 5) {
          finish(new GrpcCallError(INTERNAL, 'Truncated response message'));
          return;
        }
        finish(undefined, body.subarray(5, 5 + len));
      });
      const frame = Buffer.allocUnsafe(5 + request.length);
      frame[0] = 0;
      frame.writeUInt32BE(request.length, 1);
      frame.set(request, 5);
      stream.end(frame);
    });
  }
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
