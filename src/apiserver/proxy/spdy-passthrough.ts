/**
 * SPDY/3.1 upgrade requests (older clients, and kubectl's fallback when websockets fail) are
 * proxied to the kubelet as they are, like kube-apiserver's UpgradeAwareHandler: the kubelet's
 * 101 answer (with the negotiated X-Stream-Protocol-Version) goes back to the client and the two
 * connections are spliced.
 */
import type { UpgradeContext } from '../handlers/context.ts';
import { dialKubeletUpgrade } from './kubelet-upgrade.ts';
import type { KubeletAddress, KubeletTransport } from './kubelet-location.ts';
import { writeSwitchingProtocols } from './upgrade-response.ts';

/** Request headers that describe the upgrade and travel to the kubelet. */
const FORWARDED = new Set(['connection', 'upgrade', 'x-stream-protocol-version']);

/** Proxies the client's SPDY upgrade to `path` on the kubelet; rejects (before anything was sent) with the kubelet's Status. */
export async function proxySpdyUpgrade(ctx: UpgradeContext, kubelet: KubeletAddress, transport: KubeletTransport, path: string): Promise<void> {
  const headers: [string, string][] = [];
  for (let i = 0; i < ctx.req.rawHeaders.length; i += 2) {
    if (FORWARDED.has(ctx.req.rawHeaders[i].toLowerCase())) headers.push([ctx.req.rawHeaders[i], ctx.req.rawHeaders[i + 1]]);
  }
  const { socket: upstream, headers: answer } = await dialKubeletUpgrade(kubelet, transport, ctx.req.method ?? 'POST', path, headers);
  const reply: [string, string][] = [['Connection', 'Upgrade'], ['Upgrade', answer.upgrade ?? 'SPDY/3.1']];
  if (answer['x-stream-protocol-version']) reply.push(['X-Stream-Protocol-Version', answer['x-stream-protocol-version']]);
  writeSwitchingProtocols(ctx.socket, reply);
  if (ctx.head.length) upstream.write(ctx.head);
  spliceConnections(ctx.socket, upstream);
}

/** Pipes two connections into each other; either closing or failing closes both. */
export function spliceConnections(a: NodeJS.ReadWriteStream & { destroy(): void }, b: NodeJS.ReadWriteStream & { destroy(): void; resume(): void }): void {
  a.pipe(b);
  b.pipe(a);
  b.resume();
  const end = (): void => {
    a.destroy();
    b.destroy();
  };
  for (const side of [a, b]) {
    side.once('error', end);
    side.once('close', end);
  }
}
