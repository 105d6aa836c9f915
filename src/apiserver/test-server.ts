/**
 * An in-process API server on the memory store for tests, spoken to over real HTTPS/HTTP2 with
 * the admin client certificate. Not used by the product.
 */
import { connect, type ClientHttp2Session } from 'node:http2';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStorage } from '../storage/memory/memory-storage.ts';
import { ensurePki } from './authn/pki.ts';
import { ApiMetrics } from './metrics.ts';
import { ApiServer } from './server.ts';

/** A response with its body read. */
export interface TestReply {
  status: number;
  headers: Record<string, unknown>;
  json: () => any;
}

/** A running test server: `call` sends one request (a body object is sent as JSON), `stop` tears it down. */
export interface TestApiServer {
  call(method: string, path: string, body?: unknown, contentType?: string): Promise<TestReply>;
  stop(): Promise<void>;
}

/** Starts an ApiServer on 127.0.0.1 (a free port) with a fresh PKI in a temporary directory. */
export async function startTestApiServer(): Promise<TestApiServer> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-api-test-'));
  const pki = await ensurePki(dir, { hostnames: [], ips: [] });
  const server = new ApiServer({ storage: new MemoryStorage(), pki, metrics: new ApiMetrics({ processMetrics: false }) });
  const port = await server.start(0, '127.0.0.1');
  const session: ClientHttp2Session = connect(`https://127.0.0.1:${port}`, { ca: pki.caCert, cert: pki.adminCert, key: pki.adminKey });
  return {
    call: (method, path, body, contentType = 'application/json') =>
      new Promise((resolve, reject) => {
        const req = session.request({ ':method': method, ':path': path, 'content-type': contentType });
        let data = '';
        let headers: Record<string, unknown> = {};
        req.on('response', (h) => (headers = h));
        req.setEncoding('utf8');
        req.on('data', (d) => (data += d));
        req.on('end', () => resolve({ status: Number(headers[':status']), headers, json: () => JSON.parse(data) }));
        req.on('error', reject);
        req.end(body === undefined ? undefined : JSON.stringify(body));
      }),
    async stop() {
      session.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
