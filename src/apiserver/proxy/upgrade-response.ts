import type { Duplex } from 'node:stream';
import type { StatusError } from '../../api/errors.ts';

const REASONS: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  422: 'Unprocessable Entity', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable',
};

/**
 * Refuses an upgrade request with a Kubernetes Status JSON body on the raw connection (the
 * request was not upgraded, so this is a plain HTTP/1.1 answer) and closes it. Clients report the
 * Status message (client-go decodes it from failed upgrades).
 */
export function rejectUpgradeWithStatus(socket: Duplex, status: StatusError): void {
  if (socket.destroyed || !socket.writable) return;
  const body = Buffer.from(JSON.stringify(status.toStatus()));
  socket.end(Buffer.concat([
    Buffer.from(`HTTP/1.1 ${status.code} ${REASONS[status.code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nCache-Control: no-cache, private\r\nConnection: close\r\n\r\n`),
    body,
  ]));
}

/** Writes a 101 Switching Protocols head with the given extra headers. */
export function writeSwitchingProtocols(socket: Duplex, headers: [string, string][]): void {
  socket.write(`HTTP/1.1 101 Switching Protocols\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
}

/** True for a websocket upgrade request (`Upgrade: websocket`). */
export function isWebsocketUpgrade(headers: Record<string, string | string[] | undefined>): boolean {
  return String(headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/** The websocket subprotocols the client offers, in its order. */
export function offeredSubprotocols(headers: Record<string, string | string[] | undefined>): string[] {
  const raw = headers['sec-websocket-protocol'];
  return (Array.isArray(raw) ? raw.join(',') : raw ?? '').split(',').map((p) => p.trim()).filter(Boolean);
}
