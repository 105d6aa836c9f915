import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { KubeletRequestError, resolveDep, type KubeletServerDeps } from './deps.ts';
import { containerLogOptions, serveContainerLogs } from './container-logs.ts';
import { queryBool } from './query-params.ts';
import { rejectUpgrade, relayUpgrade } from './stream-relay.ts';

/** The kubelet's HTTPS port (--port). */
export const DEFAULT_KUBELET_PORT = 10250;

/**
 * CN of the API server's kubelet client certificate (kubeadm's `apiserver-kubelet-client`
 * certificate uses this name); only this user may call the kubelet.
 */
export const APISERVER_KUBELET_CLIENT_CN = 'kube-apiserver-kubelet-client';

/** Options of `KubeletServer`. */
export interface KubeletServerOptions {
  /** The node's serving certificate and key (PEM), signed by the cluster CA. */
  cert: string;
  key: string;
  /** The cluster CA (PEM) client certificates must chain to. */
  caCert: string;
  deps: KubeletServerDeps;
  /** Users (client certificate CNs) allowed to call; default [APISERVER_KUBELET_CLIENT_CN]. */
  allowedUsers?: string[];
  /** Serves `/stats/summary` and `/metrics/resource` when given (404 otherwise). */
  statsHandler?: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

/** What a kubelet API path addresses. */
export type KubeletRoute =
  | { kind: 'healthz' }
  | { kind: 'stats' }
  | { kind: 'containerLogs'; namespace: string; pod: string; container: string }
  | { kind: 'exec' | 'attach'; namespace: string; pod: string; container: string }
  | { kind: 'portForward'; namespace: string; pod: string };

/**
 * Parses a kubelet API path as the kubelet's server.go routes it: `/containerLogs/{ns}/{pod}/{container}`,
 * `/exec|attach/{ns}/{pod}[/{uid}]/{container}`, `/portForward/{ns}/{pod}[/{uid}]`, `/healthz`,
 * `/stats/summary`, `/metrics/resource`. Undefined for anything else.
 */
export function parseKubeletPath(pathname: string): KubeletRoute | undefined {
  if (pathname === '/healthz') return { kind: 'healthz' };
  if (pathname === '/stats/summary' || pathname === '/stats/summary/' || pathname === '/metrics/resource') return { kind: 'stats' };
  let parts: string[];
  try {
    parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined;
  }
  const [kind, namespace, pod, ...rest] = parts;
  if (!namespace || !pod) return undefined;
  if (kind === 'containerLogs' && rest.length === 1) return { kind, namespace, pod, container: rest[0] };
  if ((kind === 'exec' || kind === 'attach') && (rest.length === 1 || rest.length === 2)) return { kind, namespace, pod, container: rest[rest.length - 1] };
  if (kind === 'portForward' && rest.length <= 1) return { kind, namespace, pod };
  return undefined;
}

type Identity = { ok: true; user: string } | { ok: false; code: 401 | 403; message: string };

/**
 * The kubelet's HTTPS API: container logs read from the CRI log files, exec/attach/port-forward
 * relayed to the container runtime's streaming server, health and a stats hook. Every request but
 * `/healthz` needs a client certificate signed by the cluster CA whose CN is an allowed user
 * (401 without one, 403 for another user), as the kubelet with webhook authorization allows only
 * the API server.
 */
export class KubeletServer {
  private server?: Server;
  private readonly sockets = new Set<Duplex>();
  private readonly allowed: Set<string>;

  constructor(private readonly options: KubeletServerOptions) {
    this.allowed = new Set(options.allowedUsers ?? [APISERVER_KUBELET_CLIENT_CN]);
  }

  /** Listens on `port` (0 for any) at `host`; resolves with the bound port. */
  async start(port = DEFAULT_KUBELET_PORT, host = '0.0.0.0'): Promise<number> {
    const { cert, key, caCert } = this.options;
    const server = createServer({ cert, key, ca: caCert, requestCert: true, rejectUnauthorized: false }, (req, res) => void this.handle(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.handleUpgrade(req, socket, head));
    server.on('secureConnection', (socket: TLSSocket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('tlsClientError', () => {});
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  /** Stops listening and closes open connections (log follows and streams end). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
      setTimeout(resolve, 2000).unref();
    });
  }

  private identify(req: IncomingMessage): Identity {
    const socket = req.socket as TLSSocket;
    const peer = socket.getPeerCertificate?.();
    if (!peer || !peer.subject || !socket.authorized) return { ok: false, code: 401, message: 'Unauthorized' };
    const cn = Array.isArray(peer.subject.CN) ? peer.subject.CN[0] : peer.subject.CN;
    if (!cn || !this.allowed.has(cn)) return { ok: false, code: 403, message: `Forbidden (user=${cn ?? ''}, verb=get, resource=nodes, subresource(s)=[proxy])` };
    return { ok: true, user: cn };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const route = parseKubeletPath(url.pathname);
    try {
      if (route?.kind === 'healthz') return sendText(res, 200, 'ok');
      const who = this.identify(req);
      if (!who.ok) throw new KubeletRequestError(who.code, who.message);
      if (!route) throw new KubeletRequestError(404, '404 page not found');
      switch (route.kind) {
        case 'stats':
          if (!this.options.statsHandler) throw new KubeletRequestError(404, '404 page not found');
          return await this.options.statsHandler(req, res);
        case 'containerLogs':
          if (req.method !== 'GET') throw new KubeletRequestError(405, 'Method Not Allowed');
          return await serveContainerLogs(this.options.deps, route, containerLogOptions(url.searchParams), req, res);
        default:
          // Streaming endpoints only work through an upgrade (handled by handleUpgrade).
          throw new KubeletRequestError(400, 'Upgrade request required');
      }
    } catch (err) {
      const known = err instanceof KubeletRequestError;
      if (!known) this.options.log?.('kubelet request failed', { path: url.pathname, error: String(err) });
      if (!res.headersSent) sendText(res, known ? err.code : 500, known ? err.message : String((err as Error).message ?? err));
      else res.destroy();
    }
  }

  private async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const route = parseKubeletPath(url.pathname);
    try {
      const who = this.identify(req);
      if (!who.ok) throw new KubeletRequestError(who.code, who.message);
      if (!route || (route.kind !== 'exec' && route.kind !== 'attach' && route.kind !== 'portForward')) throw new KubeletRequestError(404, '404 page not found');
      const target = await this.streamingUrl(route, url.searchParams);
      relayUpgrade(req, socket, head, new URL(target));
    } catch (err) {
      const known = err instanceof KubeletRequestError;
      if (!known) this.options.log?.('kubelet stream failed', { path: url.pathname, error: String(err) });
      rejectUpgrade(socket, known ? err.code : 500, err instanceof Error ? err.message : String(err));
    }
  }

  /** Asks the runtime (CRI Exec/Attach/PortForward) for the streaming URL of this request. */
  private async streamingUrl(route: Extract<KubeletRoute, { kind: 'exec' | 'attach' | 'portForward' }>, query: URLSearchParams): Promise<string> {
    const { deps } = this.options;
    if (route.kind === 'portForward') {
      const { sandboxId } = await resolveDep(deps.findSandbox(route.namespace, route.pod));
      // Ports travel in the stream headers; CRI's port list is advisory (containerd ignores it).
      const ports = query.getAll('port').map(Number).filter((p) => Number.isInteger(p) && p > 0 && p < 65536);
      return deps.cri.portForward(sandboxId, ports);
    }
    const { containerId } = await resolveDep(deps.findContainer(route.namespace, route.pod, route.container, false));
    const tty = queryBool(query, 'tty');
    const streams = { stdin: queryBool(query, 'stdin') || queryBool(query, 'input'), stdout: queryBool(query, 'stdout') || queryBool(query, 'output'), stderr: !tty && (queryBool(query, 'stderr') || queryBool(query, 'error')) };
    if (!streams.stdin && !streams.stdout && !streams.stderr) throw new KubeletRequestError(400, 'you must specify at least 1 of stdin, stdout, stderr');
    if (route.kind === 'attach') return deps.cri.attach({ containerId, tty, ...streams });
    const cmd = query.getAll('command');
    if (cmd.length === 0) throw new KubeletRequestError(400, 'you must specify at least one command for the container');
    return deps.cri.exec({ containerId, cmd, tty, ...streams });
  }
}

function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
  res.end(text.endsWith('\n') || code === 200 ? text : `${text}\n`);
}
