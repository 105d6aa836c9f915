import { connect, type Socket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Relays an HTTP upgrade request (SPDY/3.1 or websocket) to the container runtime's streaming
 * server at `target` (the URL CRI Exec/Attach/PortForward returned) and then splices the two
 * connections byte for byte. The runtime negotiates the protocol with the client itself, so
 * every protocol containerd's streaming server speaks (remotecommand v1-v4 over SPDY or
 * websocket, port-forward over SPDY or websocket) works unchanged; this is what the kubelet's
 * UpgradeAwareHandler does when it proxies streaming requests to the CRI streaming server.
 */
export function relayUpgrade(req: IncomingMessage, client: Duplex, head: Buffer, target: URL): void {
  if (target.protocol !== 'http:') {
    rejectUpgrade(client, 500, `unsupported streaming URL ${target.protocol}`);
    return;
  }
  const upstream = connect(Number(target.port || 80), target.hostname);
  const lines = [`${req.method ?? 'GET'} ${target.pathname}${target.search} HTTP/1.1`, `Host: ${target.host}`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i];
    // The runtime's server is addressed by its own host; credentials meant for the kubelet stay here.
    if (/^(host|authorization)$/i.test(name)) continue;
    lines.push(`${name}: ${req.rawHeaders[i + 1]}`);
  }
  const dialFailed = (err: Error): void => rejectUpgrade(client, 502, `error dialing container runtime streaming server: ${err.message}`);
  upstream.once('error', dialFailed);
  upstream.once('connect', () => {
    upstream.off('error', dialFailed);
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length) upstream.write(head);
    splice(client, upstream);
  });
}

/** Pipes two duplex connections into each other; either side closing or failing ends both. */
export function splice(a: Duplex, b: Socket | Duplex): void {
  a.pipe(b);
  b.pipe(a);
  const end = (): void => {
    a.destroy();
    b.destroy();
  };
  a.once('error', end);
  b.once('error', end);
  a.once('close', end);
  b.once('close', end);
}

/** Answers an upgrade request that will not be upgraded with a plain-text HTTP/1.1 error and closes the connection. */
export function rejectUpgrade(socket: Duplex, code: number, message: string): void {
  if (socket.destroyed || !socket.writable) return;
  const body = Buffer.from(`${message}\n`);
  socket.end(`HTTP/1.1 ${code} ${statusText(code)}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.toString()}`);
}

function statusText(code: number): string {
  const texts: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error', 502: 'Bad Gateway' };
  return texts[code] ?? 'Error';
}
