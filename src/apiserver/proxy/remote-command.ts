/**
 * `pods/exec` and `pods/attach` (Kubernetes' ExecREST/AttachREST): websocket clients (kubectl
 * 1.32 offers v5.channel.k8s.io .. v2) are served by translating their channel frames to a SPDY
 * remote command session with the kubelet, as kube-apiserver's StreamTranslatorHandler does (the
 * kubelet side speaks v4 over SPDY, which can half-close stdin); SPDY clients are proxied to the
 * kubelet unchanged.
 */
import { WebSocketServer, type WebSocket } from 'ws';
import { badRequest, internalError, methodNotAllowed, StatusError, toStatusError } from '../../api/errors.ts';
import type { HandlerContext, UpgradeContext } from '../handlers/context.ts';
import { registerSubresource, registerUpgradeSubresource } from '../resource-handler.ts';
import { getPod, requireKubelet, requireRunningPhase, resolveContainer, type KubeletAddress, type KubeletTransport } from './kubelet-location.ts';
import { openSpdyRemoteCommand, type RemoteCommandStreams, type SpdyRemoteCommand } from './spdy-executor.ts';
import { proxySpdyUpgrade } from './spdy-passthrough.ts';
import { isWebsocketUpgrade, offeredSubprotocols } from './upgrade-response.ts';
import { Channel, decodeChannelMessage, encodeChannelMessage, errorChannelPayload, negotiateChannelProtocol, type ChannelProtocol } from './ws-channel.ts';

const TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);

/** A remote command request, checked: the kubelet path (with the kubelet's `1` flags) and its streams. */
export interface RemoteCommandTarget {
  kubelet: KubeletAddress;
  path: string;
  streams: RemoteCommandStreams;
}

/**
 * Validates PodExecOptions/PodAttachOptions against the pod (400 BadRequest with Kubernetes'
 * messages) and builds the kubelet path `/{exec|attach}/{ns}/{pod}/{container}?...`.
 */
export async function remoteCommandTarget(ctx: Pick<UpgradeContext, 'stores' | 'query' | 'request'>, verb: 'exec' | 'attach'): Promise<RemoteCommandTarget> {
  const namespace = ctx.request.namespace ?? 'default';
  const podName = ctx.request.name!;
  const pod = await getPod(ctx.stores, namespace, podName);
  const container = resolveContainer(pod, ctx.query.get('container'));
  requireRunningPhase(pod, verb);
  const flag = (name: string): boolean => TRUE.has(ctx.query.get(name) ?? '');
  const streams = { stdin: flag('stdin'), stdout: flag('stdout'), stderr: flag('stderr'), tty: flag('tty') };
  const command = ctx.query.getAll('command');
  if (verb === 'exec' && command.length === 0) throw badRequest('you must specify at least one command for the container');
  if (!streams.stdin && !streams.stdout && !streams.stderr) throw badRequest('you must specify at least 1 of stdin, stdout, stderr');
  const kubelet = await requireKubelet(ctx.stores, pod);
  const params = new URLSearchParams();
  for (const c of command) params.append('command', c);
  for (const [name, on] of Object.entries(streams)) if (on) params.set(name, '1');
  const path = `/${verb}/${encodeURIComponent(namespace)}/${encodeURIComponent(podName)}/${encodeURIComponent(container)}?${params}`;
  return { kubelet, path, streams };
}

function requireTransport(ctx: UpgradeContext): KubeletTransport {
  if (!ctx.kubelet) throw internalError('this API server has no kubelet client credentials');
  return ctx.kubelet;
}

/** The upgrade handler of pods/exec or pods/attach. */
function remoteCommandHandler(verb: 'exec' | 'attach') {
  return async (ctx: UpgradeContext): Promise<void> => {
    const target = await remoteCommandTarget(ctx, verb);
    const transport = requireTransport(ctx);
    if (!isWebsocketUpgrade(ctx.req.headers)) {
      await proxySpdyUpgrade(ctx, target.kubelet, transport, target.path);
      return;
    }
    const offered = offeredSubprotocols(ctx.req.headers);
    const protocol = offered.length ? negotiateChannelProtocol(offered) : 'channel.k8s.io';
    if (!protocol) throw badRequest(`unable to upgrade: no supported websocket subprotocol among ${offered.join(', ')}`);
    const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: () => (offered.length ? protocol : false) });
    wss.handleUpgrade(ctx.req, ctx.socket, ctx.head, (ws) => void translate(ws, protocol, target, transport));
  };
}

/**
 * Bridges an upgraded websocket and a SPDY session with the kubelet until the command ends: the
 * output streams become channel messages, then the kubelet's exit Status goes on the error
 * channel and the websocket closes normally.
 */
async function translate(ws: WebSocket, protocol: ChannelProtocol, target: RemoteCommandTarget, transport: KubeletTransport): Promise<void> {
  let session: SpdyRemoteCommand;
  const early: Buffer[] = [];
  const buffer = (data: Buffer): void => { early.push(data); };
  ws.on('message', buffer);
  try {
    session = await openSpdyRemoteCommand(target.kubelet, transport, target.path, target.streams);
  } catch (err) {
    const status = err instanceof StatusError ? err : toStatusError(err);
    sendStatusAndClose(ws, protocol, Buffer.from(JSON.stringify(status.toStatus())));
    return;
  }
  ws.off('message', buffer);
  const onMessage = (data: Buffer): void => {
    const message = decodeChannelMessage(data, protocol);
    if (message.kind === 'close' && message.channel === Channel.stdin) session.stdin?.end();
    if (message.kind !== 'data') return;
    if (message.channel === Channel.stdin) session.stdin?.write(message.data);
    else if (message.channel === Channel.resize) session.resize?.write(message.data);
  };
  for (const data of early) onMessage(data);
  ws.on('message', onMessage);
  ws.once('close', () => session.close());
  const ended = (stream?: NodeJS.ReadableStream): Promise<void> => (stream ? new Promise((resolve) => { stream.once('end', resolve); stream.once('close', resolve); }) : Promise.resolve());
  const forward = (stream: NodeJS.ReadableStream | undefined, channel: number): void => {
    stream?.on('data', (chunk: Buffer) => { if (ws.readyState === ws.OPEN) ws.send(encodeChannelMessage(channel, chunk)); });
  };
  forward(session.stdout, Channel.stdout);
  forward(session.stderr, Channel.stderr);
  const errorChunks: Buffer[] = [];
  session.error.on('data', (chunk: Buffer) => errorChunks.push(chunk));
  // The command is over when the kubelet closed the error stream (or the whole connection); its
  // output streams end at the same time, and are drained before the Status is sent.
  await Promise.race([ended(session.error), session.closed]);
  await Promise.race([Promise.all([ended(session.stdout), ended(session.stderr)]), session.closed, new Promise((r) => setTimeout(r, 2000))]);
  sendStatusAndClose(ws, protocol, Buffer.concat(errorChunks));
  session.close();
}

function sendStatusAndClose(ws: WebSocket, protocol: ChannelProtocol, statusJson: Buffer): void {
  if (ws.readyState !== ws.OPEN) return;
  const payload = errorChannelPayload(statusJson, protocol);
  if (payload.length) ws.send(encodeChannelMessage(Channel.error, payload));
  ws.close(1000);
}

/** Non-upgrade requests to a streaming subresource: Kubernetes requires the upgrade. */
async function upgradeRequired(ctx: HandlerContext): Promise<void> {
  if (ctx.request.verb !== 'get' && ctx.request.verb !== 'create') throw methodNotAllowed();
  throw badRequest('Upgrade request required');
}

registerUpgradeSubresource('pods', 'exec', remoteCommandHandler('exec'));
registerUpgradeSubresource('pods', 'attach', remoteCommandHandler('attach'));
registerSubresource('pods', 'exec', upgradeRequired);
registerSubresource('pods', 'attach', upgradeRequired);
registerSubresource('pods', 'portforward', upgradeRequired);
