/**
 * Opening an upgraded (101 Switching Protocols) connection to a kubelet streaming endpoint over
 * TLS with the API server's kubelet client certificate, as kube-apiserver's upgrade-aware proxy
 * and its SPDY executor do.
 */
import { connect, type TLSSocket } from 'node:tls';
import { kubeletError, type KubeletAddress, type KubeletTransport } from './kubelet-location.ts';

/** An upgraded connection: the raw socket (positioned after the response head) and the response headers (lowercase names). */
export interface UpgradedConnection {
  socket: TLSSocket;
  headers: Record<string, string>;
}

const HEAD_LIMIT = 64 * 1024;

/**
 * Sends `method path` with `headers` (which must ask for the upgrade) to the kubelet and resolves
 * once it answers 101. Any other answer rejects with a Status carrying the kubelet's code and
 * message; a connection failure rejects with 500 InternalError.
 */
export function dialKubeletUpgrade(kubelet: KubeletAddress, transport: KubeletTransport, method: string, path: string, headers: [string, string][], timeoutMs = 30_000): Promise<UpgradedConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: kubelet.host, port: kubelet.port, ca: transport.ca, cert: transport.cert, key: transport.key, ALPNProtocols: ['http/1.1'], servername: isIpLiteral(kubelet.host) ? undefined : kubelet.host });
    let head = Buffer.alloc(0);
    const timer = setTimeout(() => fail(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(kubeletError(500, `error dialing backend: ${err.message}`));
    };
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      const lines = [`${method} ${path} HTTP/1.1`, `Host: ${kubelet.host}:${kubelet.port}`, ...headers.map(([k, v]) => `${k}: ${v}`), 'Content-Length: 0'];
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > HEAD_LIMIT) fail(new Error('response head too large'));
        return;
      }
      socket.off('data', onData);
      const [statusLine, ...headerLines] = head.subarray(0, end).toString('latin1').split('\r\n');
      const parsed: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        if (colon > 0) parsed[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const code = Number(statusLine.split(' ')[1]);
      const rest = head.subarray(end + 4);
      if (code === 101) {
        clearTimeout(timer);
        socket.off('error', fail);
        socket.pause();
        if (rest.length) socket.unshift(rest);
        resolve({ socket, headers: parsed });
        return;
      }
      // A refusal: collect the body (the kubelet closes or sends Content-Length) for the message.
      let body = rest;
      const length = Number(parsed['content-length'] ?? NaN);
      const finish = (): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(kubeletError(code || 500, body.toString('utf8')));
      };
      if (body.length >= length) return finish();
      socket.on('data', (more: Buffer) => {
        body = Buffer.concat([body, more]);
        if (body.length >= length) finish();
      });
      socket.once('end', finish);
    };
    socket.on('data', onData);
  });
}

function isIpLiteral(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
