/**
 * The part of spdy-transport 3.0 (untyped) that skiff uses: a client SPDY/3.1 connection over an
 * upgraded socket, opening streams whose headers carry Kubernetes' `streamType`.
 */
declare module 'spdy-transport' {
  import type { Duplex } from 'node:stream';
  import type { EventEmitter } from 'node:events';

  /** One SPDY stream: a Duplex whose write side ends with a FIN frame. */
  export interface SpdyStream extends Duplex {
    id: number;
    headers: Record<string, string>;
  }

  export interface RequestOptions {
    method: string;
    path: string;
    host?: string;
    headers?: Record<string, string>;
    priority?: { parent?: number; weight?: number; exclusive?: boolean };
  }

  export interface Connection extends EventEmitter {
    start(version: number): void;
    request(options: RequestOptions, callback?: (err: Error | null, stream: SpdyStream) => void): SpdyStream;
    end(callback?: () => void): void;
    destroyStreams(err?: Error): void;
  }

  export const connection: {
    create(socket: Duplex, options: { protocol: 'spdy' | 'http2'; isServer: boolean; windowSize?: number; maxChunk?: number | false }): Connection;
  };
}
