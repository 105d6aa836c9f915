/**
 * `pods/portforward` (Kubernetes' PortForwardREST). kubectl 1.32 opens a websocket with
 * subprotocol `SPDY/3.1+portforward.k8s.io` whose binary messages carry a SPDY session; like
 * kube-apiserver's tunneling handler, skiff upgrades to SPDY with the kubelet first, answers the
 * websocket handshake once the kubelet agreed, and then tunnels the SPDY bytes both ways, so
 * the port-forward protocol runs end to end between kubectl and the runtime. Plain SPDY
 * upgrades (the fallback) are proxied unchanged.
 */
import { WebSocketServer } from 'ws';
import { badRequest, internalError } from '../../api/errors.ts';
import type { UpgradeContext } from '../handlers/context.ts';
import { registerUpgradeSubresource } from '../resource-handler.ts';
import { dialKubeletUpgrade } from './kubelet-upgrade.ts';
import { getPod, requireKubelet } from './kubelet-location.ts';
import { proxySpdyUpgrade } from './spdy-passthrough.ts';
import { isWebsocketUpgrade, offeredSubprotocols } from './upgrade-response.ts';

/** The port-forward protocol over SPDY, and its websocket tunnel subprotocol. */
export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
export const PORT_FORWARD_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

/** The kubelet path `/portForward/{ns}/{pod}`, with the `ports` the client named (PodPortForwardOptions) as `port`. */
export function portForwardPath(namespace: string, pod: string, query: URLSearchParams): string {
  const params = new URLSearchParams();
  for (const value of query.getAll('ports')) {
    for (const port of value.split(',')) {
      const n = Number(port);
      if (!Number.isInteger(n) || n < 1 || n > 65535) throw badRequest(`invalid port ${JSON.stringify(port)}: must be between 1 and 65535, inclusive`);
      params.append('port', String(n));
    }
  }
  return `/portForward/${encodeURIComponent(namespace)}/${encodeURIComponent(pod)}${params.size ? `?${params}` : ''}`;
}

async function handlePortForward(ctx: UpgradeContext): Promise<void> {
  const namespace = ctx.request.namespace ?? 'default';
  const pod = await getPod(ctx.stores, namespace, ctx.request.name!);
  const path = portForwardPath(namespace, ctx.request.name!, ctx.query);
  const kubelet = await requireKubelet(ctx.stores, pod);
  if (!ctx.kubelet) throw internalError('this API server has no kubelet client credentials');
  if (!isWebsocketUpgrade(ctx.req.headers)) return proxySpdyUpgrade(ctx, kubelet, ctx.kubelet, path);
  if (!offeredSubprotocols(ctx.req.headers).includes(PORT_FORWARD_TUNNEL_PROTOCOL)) {
    throw badRequest(`unable to upgrade: websocket port-forward needs subprotocol ${PORT_FORWARD_TUNNEL_PROTOCOL}`);
  }
  const { socket: upstream } = await dialKubeletUpgrade(kubelet, ctx.kubelet, 'POST', path, [
    ['Connection', 'Upgrade'], ['Upgrade', 'SPDY/3.1'], ['X-Stream-Protocol-Version', PORT_FORWARD_PROTOCOL],
  ]);
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: () => PORT_FORWARD_TUNNEL_PROTOCOL });
  wss.handleUpgrade(ctx.req, ctx.socket, ctx.head, (ws) => {
    ws.on('message', (data: Buffer) => upstream.write(data));
    upstream.on('data', (chunk: Buffer) => { if (ws.readyState === ws.OPEN) ws.send(chunk); });
    upstream.resume();
    const end = (): void => {
      upstream.destroy();
      if (ws.readyState === ws.OPEN) ws.close(1000);
    };
    ws.once('close', end);
    ws.once('error', end);
    upstream.once('close', end);
    upstream.once('error', end);
  });
}

registerUpgradeSubresource('pods', 'portforward', handlePortForward);
