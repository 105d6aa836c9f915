/**
 * The API server's SPDY client towards a kubelet's remote command endpoint (exec, attach),
 * speaking remotecommand v4 over SPDY/3.1 like client-go's SPDY executor: one stream per
 * `streamType` (error, stdin, stdout, stderr, resize), stdin half-closed with a FIN.
 */
import { createRequire } from 'node:module';
import type { SpdyStream } from 'spdy-transport';
import { dialKubeletUpgrade } from './kubelet-upgrade.ts';
import type { KubeletAddress, KubeletTransport } from './kubelet-location.ts';

// spdy-transport is CommonJS whose exports node's ESM loader cannot name statically.
const spdy = createRequire(import.meta.url)('spdy-transport') as typeof import('spdy-transport');

/** Remote command protocols offered to the kubelet over SPDY, newest first. */
export const SPDY_REMOTE_COMMAND_PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

/** Which streams a remote command has. */
export interface RemoteCommandStreams {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** An open remote command session on a kubelet. */
export interface SpdyRemoteCommand {
  protocol: string;
  error: SpdyStream;
  stdin?: SpdyStream;
  stdout?: SpdyStream;
  stderr?: SpdyStream;
  resize?: SpdyStream;
  /** Ends the session and its connection. */
  close(): void;
  /** Resolves when the connection to the kubelet closed. */
  closed: Promise<void>;
}

/**
 * A window so large that flow control never blocks: Go's spdystream (the kubelet's and
 * containerd's SPDY server) neither sends nor honours WINDOW_UPDATE frames.
 */
const NO_FLOW_CONTROL_WINDOW = 2 ** 30;

/**
 * Upgrades a connection to the kubelet at `path` to SPDY/3.1 and opens the streams `streams`
 * asks for. Rejects with the kubelet's Status if it refuses the upgrade.
 */
export async function openSpdyRemoteCommand(kubelet: KubeletAddress, transport: KubeletTransport, path: string, streams: RemoteCommandStreams): Promise<SpdyRemoteCommand> {
  const headers: [string, string][] = [['Connection', 'Upgrade'], ['Upgrade', 'SPDY/3.1'], ...SPDY_REMOTE_COMMAND_PROTOCOLS.map((p): [string, string] => ['X-Stream-Protocol-Version', p])];
  const { socket, headers: answer } = await dialKubeletUpgrade(kubelet, transport, 'POST', path, headers);
  const connection = spdy.connection.create(socket, { protocol: 'spdy', isServer: false, windowSize: NO_FLOW_CONTROL_WINDOW });
  connection.start(3.1);
  disableSendFlowControl(connection);
  socket.resume();
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  connection.on('error', () => socket.destroy());
  // Each stream is opened once the previous one's SYN_STREAM went out: Go's spdystream resets
  // (PROTOCOL_ERROR) a stream whose id is lower than one it already saw, and a write on a stream
  // sends its SYN_STREAM at once, ahead of streams still queued.
  const open = (streamType: string): Promise<SpdyStream> => new Promise((resolve, reject) => {
    const stream = connection.request({ method: 'POST', path: '/', host: '', headers: { streamtype: streamType } }, (err) => (err ? reject(err) : resolve(stream)));
    disableSendFlowControl(stream);
    acceptReplyWithoutStatus(stream);
    stream.on('error', () => {});
  });
  try {
    // client-go creates the error stream first, then stdin, stdout, stderr and resize.
    const session: SpdyRemoteCommand = {
      protocol: answer['x-stream-protocol-version'] ?? '',
      error: await open('error'),
      close: () => {
        connection.destroyStreams();
        socket.destroy();
      },
      closed,
    };
    if (streams.stdin) session.stdin = await open('stdin');
    if (streams.stdout) session.stdout = await open('stdout');
    if (streams.stderr && !streams.tty) session.stderr = await open('stderr');
    if (streams.tty) session.resize = await open('resize');
    return session;
  } catch (err) {
    socket.destroy();
    throw err;
  }
}

/**
 * Kubernetes' SPDY servers answer each stream with a SYN_REPLY carrying no headers; spdy-transport
 * resets (PROTOCOL_ERROR) a reply without `:status` unless the stream expects no response, which
 * then takes the reply as plain headers.
 */
function acceptReplyWithoutStatus(stream: object): void {
  const state = (stream as { _spdyState?: { needResponse?: boolean } })._spdyState;
  if (state) state.needResponse = false;
}

interface WindowSide { max: number; current: number; lowWaterMark: number; update?(delta: number, cb?: () => void): void }
interface Windowed { _spdyState?: { window?: { send?: WindowSide } } }

/** Opens the send window of a spdy-transport connection or stream as wide as it goes (see NO_FLOW_CONTROL_WINDOW). */
function disableSendFlowControl(target: object): void {
  const send = (target as Windowed)._spdyState?.window?.send;
  if (!send) return;
  send.max = NO_FLOW_CONTROL_WINDOW;
  send.current = NO_FLOW_CONTROL_WINDOW;
}
