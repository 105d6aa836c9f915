import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttp2Server, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GrpcCallError, GrpcUnaryClient } from './unary-client.ts';

/** A gRPC-shaped HTTP/2 server: each method answers as its handler decides. */
type Handler = (stream: ServerHttp2Stream, request: Buffer) => void;

function frame(message: Buffer): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
}

function serve(handlers: Record<string, Handler>): Http2Server {
  const server = createHttp2Server();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      const handler = handlers[String(headers[':path'])];
      if (!handler) return stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' }, { endStream: true });
      handler(stream, body.subarray(5, 5 + body.readUInt32BE(1)));
    });
  });
  return server;
}

const ok = (message: Buffer): Handler => (stream) => {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
  stream.end(frame(message));
};

describe('GrpcUnaryClient', () => {
  let dir: string;
  let server: Http2Server;
  let port: number;
  let tcp: GrpcUnaryClient;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-grpc-'));
    server = serve({
      '/test.Echo/Echo': (stream, request) => ok(Buffer.concat([Buffer.from('echo:'), request]))(stream, request),
      // A trailers-only error response, message percent-encoded as gRPC requires.
      '/test.Echo/Missing': (stream) => stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '5', 'grpc-message': 'container%20%22c9%22%20not%20found' }, { endStream: true }),
      '/test.Echo/Never': () => {},
      '/test.Echo/Big': ok(Buffer.alloc(2048, 0x61)),
      '/test.Echo/NotGrpc': (stream) => stream.respond({ ':status': 503 }, { endStream: true }),
    });
    port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
    tcp = new GrpcUnaryClient({ host: '127.0.0.1', port }, { maxReceiveBytes: 1024 });
  });

  after(async () => {
    tcp.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('a unary call sends one framed message and resolves the framed answer', async () => {
    assert.equal((await tcp.call('test.Echo/Echo', Buffer.from('hi'), 5000)).toString(), 'echo:hi');
    // Concurrent calls share the session.
    const answers = await Promise.all([1, 2, 3].map((i) => tcp.call('test.Echo/Echo', Buffer.from(String(i)), 5000)));
    assert.deepEqual(answers.map(String), ['echo:1', 'echo:2', 'echo:3']);
  });

  test("a server's status becomes GrpcCallError with its code, code name and decoded message", async () => {
    await assert.rejects(tcp.call('test.Echo/Missing', Buffer.alloc(0), 5000), (err) =>
      err instanceof GrpcCallError && err.code === 5 && err.codeName === 'NOT_FOUND' && err.details === 'container "c9" not found' && err.message === 'NOT_FOUND: container "c9" not found');
    await assert.rejects(tcp.call('test.Echo/Nope', Buffer.alloc(0), 5000), { code: 12, codeName: 'UNIMPLEMENTED' });
    await assert.rejects(tcp.call('test.Echo/NotGrpc', Buffer.alloc(0), 5000), { code: 13, codeName: 'INTERNAL' });
  });

  test('answers past maxReceiveBytes fail with RESOURCE_EXHAUSTED', async () => {
    await assert.rejects(tcp.call('test.Echo/Big', Buffer.alloc(0), 5000), { code: 8, codeName: 'RESOURCE_EXHAUSTED' });
  });

  test('each call keeps its own deadline: a short one fails on time behind a long one, the long one later', async () => {
    const started = Date.now();
    const long = tcp.call('test.Echo/Never', Buffer.alloc(0), 600);
    await assert.rejects(tcp.call('test.Echo/Never', Buffer.alloc(0), 100), { code: 4, codeName: 'DEADLINE_EXCEEDED' });
    const short = Date.now() - started;
    assert.ok(short >= 95 && short < 450, `short call failed after ${short} ms`);
    await assert.rejects(long, { code: 4 });
    assert.ok(Date.now() - started >= 595, 'the long call ran to its own deadline');
    // The client still works after deadlines.
    assert.equal((await tcp.call('test.Echo/Echo', Buffer.from('x'), 5000)).toString(), 'echo:x');
  });

  test('unix socket targets work, and close() fails calls in flight', async () => {
    const sock = join(dir, 'grpc.sock');
    const unixServer = serve({ '/test.Echo/Echo': ok(Buffer.from('unix')), '/test.Echo/Never': () => {} });
    await new Promise<void>((resolve) => unixServer.listen(sock, resolve));
    const client = new GrpcUnaryClient(sock);
    try {
      assert.equal((await client.call('test.Echo/Echo', Buffer.alloc(0), 5000)).toString(), 'unix');
      const pending = client.call('test.Echo/Never', Buffer.alloc(0), 60_000);
      client.close();
      await assert.rejects(pending, { code: 14, message: /closed/ });
    } finally {
      client.close();
      await new Promise<void>((resolve) => unixServer.close(() => resolve()));
    }
  });

  test('a call to an endpoint nobody listens on fails with UNAVAILABLE instead of hanging', async () => {
    // A port that was free a moment ago: bind, read it, close.
    const free = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const client = new GrpcUnaryClient({ host: '127.0.0.1', port: free });
    try {
      await assert.rejects(client.call('test.Echo/Echo', Buffer.from('k'), 5000), { name: 'GrpcCallError', code: 14 });
    } finally {
      client.close();
    }
    await assert.rejects(client.call('test.Echo/Echo', Buffer.from('k'), 5000), /closed/);
  });
});
