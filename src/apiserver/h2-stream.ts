/**
 * HTTP/2 requests served on Node's core stream API (`server.on('stream')`) instead of its
 * compatibility layer (Http2ServerRequest/Http2ServerResponse). The compatibility objects cost a
 * Readable and a Stream per request, a dozen listeners on the stream, and a second trip through
 * stream machinery for every body chunk; on the API's short requests (a 1 KiB write answered with
 * a 1 KiB object) that was about a tenth of the server's CPU. These two thin views offer what the
 * resource handlers use of a request and a response, straight on the ServerHttp2Stream.
 *
 * Requests that stream for a long time or hand the request to other code (watches, logs, exec,
 * proxy, non-resource paths) keep the compatibility objects: see {@link servedOnStream}.
 */
import { constants, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** Subresources whose handlers stream or relay the request elsewhere (kubelet, service proxy). */
const STREAMING_SUBRESOURCE = /\/(?:log|exec|attach|portforward|proxy)(?:[/?]|$)/;

/**
 * Whether a request goes through the stream views: resource requests that answer with one body.
 * Anything else, and anything that may be a watch (`watch` anywhere in the path or query, which
 * also catches an object named "watch": it merely takes the slower path), uses the compatibility
 * objects, whose full Readable/Writable surface those handlers rely on.
 */
export function servedOnStream(headers: IncomingHttpHeaders): boolean {
  const path = headers[':path'];
  if (typeof path !== 'string' || !(path.startsWith('/api/') || path.startsWith('/apis/'))) return false;
  return !path.includes('watch') && !STREAMING_SUBRESOURCE.test(path);
}

/** An HTTP/2 request on its stream: the parts of IncomingMessage the resource handlers read. */
export class StreamRequest {
  constructor(
    readonly stream: ServerHttp2Stream,
    readonly headers: IncomingHttpHeaders,
    readonly rawHeaders: string[],
  ) {}

  get method(): string {
    return this.headers[':method'] as string;
  }

  get url(): string {
    return this.headers[':path'] as string;
  }

  get httpVersion(): string {
    return '2.0';
  }

  get readableEnded(): boolean {
    return this.stream.readableEnded;
  }

  /** The connection's TLS socket (the session's, as Http2ServerRequest.socket proxies it). */
  get socket(): Socket | TLSSocket | undefined {
    return this.stream.session?.socket;
  }

  /** Body events ('data', 'end', 'error') and 'close' are the stream's own. */
  on(event: string, listener: (...args: any[]) => void): this {
    this.stream.on(event, listener);
    return this;
  }

  once(event: string, listener: (...args: any[]) => void): this {
    this.stream.once(event, listener);
    return this;
  }

  off(event: string, listener: (...args: any[]) => void): this {
    this.stream.off(event, listener);
    return this;
  }

  resume(): this {
    this.stream.resume();
    return this;
  }
}

/** The Date header's value, recomputed at most once a second (as Node's HTTP servers cache it). */
let dateValue = '';
let dateSecond = -1;
function httpDate(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateValue = new Date(second * 1000).toUTCString();
  }
  return dateValue;
}

/** An HTTP/2 response on its stream: the parts of ServerResponse the resource handlers use. */
export class StreamResponse {
  statusCode = 200;
  private pending?: OutgoingHttpHeaders;

  constructor(readonly stream: ServerHttp2Stream) {}

  get headersSent(): boolean {
    return this.stream.headersSent;
  }

  get writableEnded(): boolean {
    return this.stream.writableEnded;
  }

  /** Sets a header to send with the status (names are case-insensitive, HTTP/2 sends them lower-case). */
  setHeader(name: string, value: number | string | readonly string[]): this {
    (this.pending ??= {})[name.toLowerCase()] = value as OutgoingHttpHeaders[string];
    return this;
  }

  getHeader(name: string): OutgoingHttpHeaders[string] {
    return this.pending?.[name.toLowerCase()];
  }

  /** Sends the status and headers (with any set before). Header names must be lower-case. */
  writeHead(code: number, headers?: OutgoingHttpHeaders): this {
    if (this.stream.headersSent || this.stream.destroyed) return this;
    this.statusCode = code;
    const all: OutgoingHttpHeaders = { ...this.pending, ...headers, [constants.HTTP2_HEADER_STATUS]: code, date: httpDate() };
    this.stream.respond(all);
    return this;
  }

  // The overloads are Http2ServerResponse's, so that calls on the ApiResponse union type-check.
  write(chunk: string | Uint8Array, callback?: (err: Error) => void): boolean;
  write(chunk: string | Uint8Array, encoding: BufferEncoding, callback?: (err: Error) => void): boolean;
  write(chunk: string | Uint8Array, ...rest: unknown[]): boolean {
    if (this.stream.destroyed) return false;
    if (!this.stream.headersSent) this.writeHead(this.statusCode);
    return this.stream.write(chunk, ...(rest as [BufferEncoding]));
  }

  end(callback?: () => void): this;
  end(data: string | Uint8Array, callback?: () => void): this;
  end(data: string | Uint8Array, encoding: BufferEncoding, callback?: () => void): this;
  end(...args: unknown[]): this {
    if (this.stream.destroyed) return this;
    if (!this.stream.headersSent) this.writeHead(this.statusCode);
    this.stream.end(...(args as [string]));
    return this;
  }

  cork(): void {
    this.stream.cork();
  }

  uncork(): void {
    this.stream.uncork();
  }

  on(event: string, listener: (...args: any[]) => void): this {
    this.stream.on(event, listener);
    return this;
  }

  once(event: string, listener: (...args: any[]) => void): this {
    this.stream.once(event, listener);
    return this;
  }
}
