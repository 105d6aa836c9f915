/**
 * A lean HTTP/1.1 client for load generation: one keep-alive TLS connection authenticated with the
 * kubeconfig's client certificate, one request at a time on it (HTTP/1.1 has no multiplexing, so a
 * client that wants concurrency opens more connections, as `@kubernetes/client-node` and most
 * non-Go Kubernetes clients do).
 *
 * It writes request bytes straight to the TLS socket and reads only the status line and the
 * framing headers of the answer (Content-Length or chunked): the load generator shares the
 * machine's two cores with the server, and Node's full HTTP client costs several times more per
 * request than this.
 */
import { connect, type TLSSocket } from 'node:tls';
import type { H2Request, H2Response } from './h2-client.ts';
import type { Credentials } from './kubeconfig.ts';

const DEFAULT_TIMEOUT_MS = 30_000;
const HEADER_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');

interface Pending {
  started: number;
  keep: boolean;
  resolve: (res: H2Response) => void;
  timer: NodeJS.Timeout;
}

/**
 * The framing state of the response being read: before its headers, inside a Content-Length body,
 * or inside a chunked body (`chunkLeft` = bytes left of the current chunk, -1 = at a size line).
 */
interface Reading {
  status: number;
  phase: 'head' | 'length' | 'chunked';
  left: number;
  chunkLeft: number;
  chunks: Buffer[];
  bytes: number;
}

/** One HTTP/1.1 keep-alive connection; requests are queued and sent one after another. */
export class H1Client {
  private readonly queue: Array<{ req: H2Request; pending: Pending }> = [];
  private current?: Pending;
  private reading?: Reading;
  private buffered: Buffer = Buffer.alloc(0);
  private closed = false;

  private constructor(
    private readonly socket: TLSSocket,
    private readonly host: string,
    private readonly token?: string,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.failAll('connection closed');
    });
  }

  /** Opens a TLS connection (ALPN http/1.1) and waits, at most `timeoutMs`, for the handshake. */
  static connect(creds: Credentials, timeoutMs = 10_000): Promise<H1Client> {
    const url = new URL(creds.server);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: url.hostname, port: Number(url.port || 443), ca: creds.ca, cert: creds.cert, key: creds.key, ALPNProtocols: ['http/1.1'], servername: url.hostname === '127.0.0.1' ? undefined : url.hostname });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`TLS connect to ${creds.server} timed out`));
      }, timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        socket.setNoDelay(true);
        resolve(new H1Client(socket, url.host, creds.token));
      });
    });
  }

  /** Opens `n` connections one after another. */
  static async connectMany(creds: Credentials, n: number): Promise<H1Client[]> {
    const clients: H1Client[] = [];
    for (let i = 0; i < n; i++) clients.push(await H1Client.connect(creds));
    return clients;
  }

  /** Sends a request (after those already queued) and buffers the answer. Never rejects. */
  request(req: H2Request): Promise<H2Response> {
    return new Promise((resolve) => {
      const started = performance.now();
      if (this.closed) {
        resolve({ status: 0, body: Buffer.alloc(0), bytes: 0, ms: 0, error: 'connection closed' });
        return;
      }
      const timer = setTimeout(() => {
        // A response that never came leaves the connection unusable (its bytes may still arrive).
        this.socket.destroy();
      }, req.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      const pending: Pending = { started, keep: !req.discardBody, resolve, timer };
      this.queue.push({ req, pending });
      if (!this.current) this.sendNext();
    });
  }

  private sendNext(): void {
    const next = this.queue.shift();
    if (!next) return;
    const { req, pending } = next;
    this.current = pending;
    pending.started = performance.now();
    this.reading = { status: 0, phase: 'head', left: 0, chunkLeft: -1, chunks: [], bytes: 0 };
    const payload = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(typeof req.body === 'string' ? req.body : JSON.stringify(req.body));
    let head = `${req.method ?? 'GET'} ${req.path} HTTP/1.1\r\nHost: ${this.host}\r\nAccept: ${req.accept ?? 'application/json'}\r\n`;
    if (this.token) head += `Authorization: Bearer ${this.token}\r\n`;
    if (payload) head += `Content-Type: ${req.contentType ?? 'application/json'}\r\nContent-Length: ${payload.length}\r\n`;
    head += '\r\n';
    this.socket.write(payload ? Buffer.concat([Buffer.from(head, 'latin1'), payload]) : head);
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    while (this.current && this.reading && this.step(this.reading)) {
      // step() consumed what it could; loop while it finishes whole responses.
    }
  }

  /** Advances the framing state over the buffered bytes; true when a response completed. */
  private step(r: Reading): boolean {
    for (;;) {
      if (r.phase === 'head') {
        const end = this.buffered.indexOf(HEADER_END);
        if (end < 0) return false;
        const head = this.buffered.toString('latin1', 0, end);
        this.buffered = this.buffered.subarray(end + 4);
        r.status = Number(head.slice(9, 12));
        const lower = head.toLowerCase();
        const length = /\r\ncontent-length:\s*(\d+)/.exec(lower);
        if (length) {
          r.phase = 'length';
          r.left = Number(length[1]);
        } else if (lower.includes('\r\ntransfer-encoding: chunked')) {
          r.phase = 'chunked';
        } else {
          r.phase = 'length';
          r.left = 0;
        }
      }
      if (r.phase === 'length') {
        const take = Math.min(r.left, this.buffered.length);
        this.take(r, take);
        r.left -= take;
        if (r.left > 0) return false;
        this.complete(r.status);
        return true;
      }
      // chunked
      if (r.chunkLeft < 0) {
        const eol = this.buffered.indexOf(CRLF);
        if (eol < 0) return false;
        const size = parseInt(this.buffered.toString('latin1', 0, eol), 16);
        if (size === 0) {
          // Last chunk: skip the (empty) trailer section.
          const end = this.buffered.indexOf(HEADER_END, eol - 2 < 0 ? 0 : eol - 2);
          if (end < 0) return false;
          this.buffered = this.buffered.subarray(end + 4);
          this.complete(r.status);
          return true;
        }
        this.buffered = this.buffered.subarray(eol + 2);
        r.chunkLeft = size;
      }
      const take = Math.min(r.chunkLeft, this.buffered.length);
      this.take(r, take);
      r.chunkLeft -= take;
      if (r.chunkLeft > 0) return false;
      if (this.buffered.length < 2) {
        // The CRLF after the chunk has not arrived yet; wait for it with the size line pending.
        r.chunkLeft = 0;
        return false;
      }
      this.buffered = this.buffered.subarray(2);
      r.chunkLeft = -1;
    }
  }

  private take(r: Reading, n: number): void {
    if (n <= 0) return;
    r.bytes += n;
    if (this.current?.keep) r.chunks.push(this.buffered.subarray(0, n));
    this.buffered = this.buffered.subarray(n);
  }

  private complete(status: number): void {
    const pending = this.current!;
    const r = this.reading!;
    this.current = undefined;
    this.reading = undefined;
    clearTimeout(pending.timer);
    const body = r.chunks.length === 1 ? r.chunks[0] : Buffer.concat(r.chunks);
    pending.resolve({ status, body, bytes: r.bytes, ms: performance.now() - pending.started });
    this.sendNext();
  }

  private failAll(error: string): void {
    const all = [...(this.current ? [this.current] : []), ...this.queue.map((q) => q.pending)];
    this.current = undefined;
    this.queue.length = 0;
    for (const p of all) {
      clearTimeout(p.timer);
      p.resolve({ status: 0, body: Buffer.alloc(0), bytes: 0, ms: performance.now() - p.started, error });
    }
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
      setTimeout(() => {
        this.socket.destroy();
        resolve();
      }, 1000).unref();
    });
  }
}
