/**
 * The channel.k8s.io websocket framing of remote commands (exec, attach): every binary message
 * starts with one byte naming the stream (0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize), and
 * v5.channel.k8s.io adds message [255, stream] meaning "this stream is closed" (how a client
 * half-closes stdin).
 */

/** Remote command websocket subprotocols skiff serves, newest first (kubectl 1.32 offers v5..v2). */
export const CHANNEL_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'] as const;
export type ChannelProtocol = (typeof CHANNEL_PROTOCOLS)[number];

/** Stream ids of the channel protocol. */
export const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** The subprotocol to answer: the first the client offers that skiff serves, or undefined. */
export function negotiateChannelProtocol(offered: Iterable<string>): ChannelProtocol | undefined {
  for (const protocol of offered) {
    if ((CHANNEL_PROTOCOLS as readonly string[]).includes(protocol)) return protocol as ChannelProtocol;
  }
  return undefined;
}

/** Protocol version number (1 for the unversioned channel.k8s.io). */
export function channelVersion(protocol: ChannelProtocol): number {
  return protocol === 'channel.k8s.io' ? 1 : Number(protocol[1]);
}

/** One message: the stream id byte and the data. */
export function encodeChannelMessage(channel: number, data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = channel;
  body.copy(out, 1);
  return out;
}

/** A decoded incoming message: data for a stream, a v5 close of a stream, or nothing (empty message). */
export type ChannelMessage = { kind: 'data'; channel: number; data: Buffer } | { kind: 'close'; channel: number } | { kind: 'empty' };

/** Splits an incoming message; a v5 close signal is only recognised when the protocol is v5. */
export function decodeChannelMessage(message: Buffer, protocol: ChannelProtocol): ChannelMessage {
  if (message.length === 0) return { kind: 'empty' };
  const channel = message[0];
  if (channel === Channel.close && channelVersion(protocol) >= 5) {
    return message.length >= 2 ? { kind: 'close', channel: message[1] } : { kind: 'empty' };
  }
  return { kind: 'data', channel, data: message.subarray(1) };
}

/**
 * What goes on the error channel when the command ended: v4 and later carry the runtime's Status
 * JSON as is; v1-v3 carry only the failure message (and nothing on success).
 */
export function errorChannelPayload(statusJson: Buffer, protocol: ChannelProtocol): Buffer {
  if (channelVersion(protocol) >= 4 || statusJson.length === 0) return statusJson;
  try {
    const status = JSON.parse(statusJson.toString('utf8')) as { status?: string; message?: string };
    return status.status === 'Success' ? Buffer.alloc(0) : Buffer.from(status.message ?? '');
  } catch {
    return statusJson;
  }
}
